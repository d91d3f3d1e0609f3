//! The voice limit of a sound, `# voices N`: it reaches the sampler's and synth voices' node data, stays out of node keys, is refused with a precise diagnostic when it is not one whole number in 1…256, and the engine steals beyond it.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { VOICE_LIMIT, lookup } from "../language/catalogue.js";
import type { IRNode } from "../language/compile/ir.js";
import { compile } from "../language/compile/lower.js";
import { formatDiagnostic } from "../language/diagnostics.js";
import { renderFile } from "../cli/render.js";

const root = fileURLToPath(new URL("..", import.meta.url));

function ok(src: string) {
  const r = compile(src);
  expect(r.diagnostics.map((d) => formatDiagnostic(d, r.map, "t.ph"))).toEqual([]);
  return r.ir!;
}

/** The `voices` data of each node of these kinds, in node order. */
function limits(nodes: IRNode[], kinds = ["sampler", "voices"]): (number | undefined)[] {
  return nodes.filter((n) => kinds.includes(n.kind)).map((n) => n.data?.voices as number | undefined);
}

/** The single error of `src`. */
function error(src: string) {
  const r = compile(src);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors, r.diagnostics.map((d) => d.message).join("\n")).toHaveLength(1);
  return errors[0]!;
}

describe("# voices N", () => {
  it("sets the sampler's data, and nothing is set without it", () => {
    expect(limits(ok('out: s "bd*16" # voices 256').nodes)).toEqual([256]);
    expect(limits(ok('out: s "bd*16" # voices 1').nodes)).toEqual([1]);
    expect(limits(ok('out: s "bd*16"').nodes)).toEqual([undefined]);
    // A string holding one number is read as that number, as for other controls.
    expect(limits(ok('out: s "bd*16" # voices "32"').nodes)).toEqual([32]);
    // The keyword form on `s`.
    expect(limits(ok('out: s "bd*16" :voices 64').nodes)).toEqual([64]);
  });

  it("goes anywhere among the sample parameters, and the last one wins", () => {
    const ir = ok('out: s "bd*8" # gain 0.5 # voices 8 # speed 2 # voices 12 # lpf 900');
    expect(limits(ir.nodes)).toEqual([12]);
    expect(ir.nodes.map((n) => n.kind)).toEqual(["sampler", "lpf"]);
  });

  it("applies to every node of the sound: the sampler and each synth bus it plays", () => {
    const ir = ok('~lead: saw 220\n~bass: sine 55\nout: s "bd ~lead ~bass" # voices 24');
    expect(ir.nodes.filter((n) => n.kind === "sampler" || n.kind === "voices").map((n) => n.kind)).toEqual(["sampler", "voices", "voices"]);
    expect(limits(ir.nodes)).toEqual([24, 24, 24]);
    // The template id is still there beside it.
    expect(ir.nodes.find((n) => n.kind === "voices")!.data).toEqual({ voices: 24, template: 0 });
  });

  it("applies to note synths and oscillators played by notes", () => {
    expect(limits(ok('out: saw_trig "c4 e4 g4" # voices 3').nodes)).toEqual([3]);
    expect(limits(ok('out: saw # note "c4 e4 g4" # voices 5').nodes)).toEqual([5]);
  });

  it("survives transforms of the sound", () => {
    expect(limits(ok('out: fast 2 $ s "bd sn" # voices 40').nodes)).toEqual([40]);
    expect(limits(ok('out: every 2 (fast 2) $ s "bd sn" # voices 40').nodes)).toEqual([40]);
    expect(limits(ok('out: jux rev $ s "bd sn" # voices 40').nodes)).toEqual([40]);
  });

  it("keeps stacked sounds with different limits apart, and merges equal ones", () => {
    const apart = ok('out: stack [s "bd*4" # voices 8, s "hh*16"]');
    expect(limits(apart.nodes)).toEqual([8, undefined]);
    const merged = ok('out: stack [s "bd*4" # voices 8, s "hh*16" # voices 8]');
    expect(limits(merged.nodes)).toEqual([8]);
  });

  it("gives a sound made by cat the largest limit of its parts (the default for a part without one)", () => {
    expect(limits(ok('out: cat [s "bd*4" # voices 8, s "hh*16" # voices 200]').nodes)).toEqual([200]);
    expect(limits(ok(`out: cat [s "bd*4" # voices 8, s "hh*16"]`).nodes)).toEqual([VOICE_LIMIT.default]);
    expect(limits(ok('out: cat [s "bd*4", s "hh*16"] # voices 8').nodes)).toEqual([8]);
  });

  it("is not part of the node key: editing the limit keeps the node (the engine carries its voices over)", () => {
    const plain = ok('out: s "bd*16" # lpf 800');
    for (const n of [1, 64, 256]) {
      const limited = ok(`out: s "bd*16" # voices ${n} # lpf 800`);
      expect(limited.nodes.map((x) => x.key)).toEqual(plain.nodes.map((x) => x.key));
    }
    const synth = (n: number) => ok(`~lead: saw 220\nout: s "~lead*4" # voices ${n}`).nodes.map((x) => x.key);
    expect(synth(8)).toEqual(synth(100));
  });
});

describe("# voices errors", () => {
  it("refuses a number out of range with line, column, what is expected and a suggestion", () => {
    const cases: [string, RegExp][] = [
      ["1000", /`# voices 256`/],
      ["257", /`# voices 256`/],
      ["0", /`# voices 1`/],
      ["-3", /`# voices 1`/],
      ["2.5", /`# voices 3`/],
    ];
    for (const [n, suggestion] of cases) {
      const d = error(`tempo: 1\nout: s "bd*16" # voices ${n}`);
      expect(d.message).toBe(`the voice limit must be a whole number from 1 to 256, not ${Number(n)}`);
      expect(d.expected).toBe("a whole number from 1 to 256");
      expect(d.suggestion).toMatch(suggestion);
      // The `voices` call, on line 2.
      expect([d.line, d.col]).toEqual([2, 18]);
    }
  });

  it("refuses a pattern: the limit is one number per sound", () => {
    const d = error('out: s "hh*8" # voices "64 <128 96>"');
    expect(d.message).toMatch(/fixed when the sound is built.*not the pattern "64 <128 96>"/);
    expect(d.expected).toBe("a whole number from 1 to 256");
    // It points at the string, and suggests the largest count it names.
    expect([d.line, d.col]).toEqual([1, 24]);
    expect(d.suggestion).toContain("`# voices 128`");
  });

  it("refuses a signal and a missing number", () => {
    const d = error('out: s "cp" # voices (sine 1)');
    expect(d.message).toMatch(/needs one number, not a signal \(sine\)/);
    expect(d.suggestion).toContain("`# voices 256`");
    expect(error('out: s "cp" # voices').message).toMatch(/'voices' needs a number/);
  });

  it("refuses `voices` anywhere but after a sound, and points supersaw at its keyword", () => {
    for (const src of ["out: saw 110 # voices 4", 'out: s "bd" # lpf 800 # voices 4', "out: voices 4"]) {
      const d = error(src);
      expect(d.message).toMatch(/'voices' sets how many voices a sound may play at once, so it must follow a sound/);
      expect(d.suggestion).toBeDefined();
    }
    expect(error("out: supersaw 110 # voices 4").suggestion).toContain(":voices");
    // supersaw's own keyword is untouched.
    expect(ok("out: supersaw 110 :voices 5").nodes.map((n) => n.kind)).toEqual(["supersaw"]);
  });

  it("never throws: every broken line is a diagnostic and the rest is reported too", () => {
    const r = compile('out: s "bd" # voices 0\no2: s "hh" # voices "1 2"\no3: saw 1 # voices 2');
    expect(r.diagnostics.map((d) => d.line)).toEqual([1, 2, 3]);
  });
});

describe("the voice limit's documentation and engine agree", () => {
  it("states the default and the range that the engine's pool.rs has", () => {
    const pool = readFileSync(join(root, "engine-rs", "core", "src", "voice", "pool.rs"), "utf8");
    const constant = (name: string) => Number(new RegExp(`pub const ${name}: usize = (\\d+);`).exec(pool)?.[1]);
    expect(VOICE_LIMIT).toEqual({ default: constant("DEFAULT_VOICES"), max: constant("MAX_VOICES") });
    const b = lookup("voices")!;
    expect(b.family).toBe("sample");
    expect(b.params[1]).toMatchObject({ default: 128, range: [1, 256], type: "const" });
    expect(b.doc).toMatch(/default 128/);
    expect(b.doc).toMatch(/1 to 256/);
    expect(b.doc).toMatch(/steals the oldest/);
  });
});

describe("the engine at the limit", () => {
  const dir = mkdtempSync(join(tmpdir(), "phonon-voices-"));
  /** Steals over one cycle at tempo 16 (62.5 ms): every event of the cycle overlaps every other, as a kick lasts longer. */
  function steals(source: string): number {
    const file = join(dir, "v.ph");
    writeFileSync(file, `tempo: 16\n${source}\n`);
    return renderFile({ file, out: join(dir, "v.wav"), cycles: 1 }).stats.voiceSteals;
  }

  it("steals one voice per event beyond the limit", () => {
    // 32 overlapping kicks: the 5th to the 32nd each find 4 playing and steal the oldest.
    expect(steals('out: s "bd*32" # voices 4')).toBe(28);
    expect(steals('out: s "bd*32" # voices 31')).toBe(1);
    expect(steals('out: s "bd*32" # voices 32')).toBe(0);
  });

  it("plays 128 overlapping samples without stealing by default, and steals for the 129th", () => {
    expect(steals('out: s "bd*128"')).toBe(0);
    expect(steals('out: s "bd*129"')).toBe(1);
    expect(steals('out: s "bd*129" # voices 256')).toBe(0);
  });
});
