//! Issue 15, "Crashes": event fields that are not finite, a tempo out of range, and IR the engine would refuse, each from the shortest input. None may reach the engine; each is a located warning or error, and the CLI exits 0 or 1, never 2.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine } from "../cli/engine.js";
import { MAX_CPS, MIN_CPS } from "../language/compile/evaluate.js";
import { compile } from "../language/compile/lower.js";
import type { Clock } from "../language/schedule/clock.js";
import { EventBatch } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";
import { root } from "./liveproc.js";
import { readWav } from "./wav.js";

const dir = mkdtempSync(join(tmpdir(), "phonon-crash-"));

function phonon(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

function renderSource(name: string, source: string, ...opts: string[]) {
  const file = join(dir, `${name}.ph`);
  const out = join(dir, `${name}.wav`);
  writeFileSync(file, source);
  return { ...phonon("render", file, out, "--seconds", "1", ...opts), out };
}

/** The errors of compiling `src`, as "line:col message". */
function errors(src: string): string[] {
  return compile(src)
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.line}:${d.col} ${d.message}`);
}

const NOTE_1E8 = '~k: saw 220\no2: s "~k*2" # note "1e8"\n';

describe("non-finite event fields", () => {
  it('`note "1e8"` on a synth voice: the scheduler leaves the events out with one warning naming line 2', () => {
    const r = compile(NOTE_1E8);
    expect(r.ir).toBeDefined();
    const warnings: string[] = [];
    const s = new Scheduler(r.ir!, r.lanes, { sampleRate: 48000, resolveSample: () => undefined, warn: (m) => warnings.push(m) });
    const batch = new EventBatch();
    for (let c = 0; c < 4; c++) s.schedule(c, batch);
    expect(batch.count).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/line 2 .*pitch ratio.* Infinity; events like it are skipped/);
    // Whatever the scheduler sends, the engine takes.
    const engine = new Engine(48000, 512);
    engine.load(r.ir!);
    expect(() => engine.pushEvents(batch.view())).not.toThrow();
  });

  it("`phonon render` of it exits 0 with the warning, and the WAV is silent and finite", () => {
    const r = renderSource("note1e8", NOTE_1E8);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/warning .*line 2 .*Infinity/);
    for (const ch of readWav(r.out).data) expect(ch.every((x) => Number.isFinite(x))).toBe(true);
  });

  it("a sample's speed that overflows (`note \"1e8\"` on bd) is left out, the other events play", () => {
    const r = compile('out: s "bd sn" # note "<0 1e8>"\n');
    const warnings: string[] = [];
    const s = new Scheduler(r.ir!, r.lanes, { sampleRate: 48000, resolveSample: () => 1, warn: (m) => warnings.push(m) });
    const batch = new EventBatch();
    expect(s.schedule(0, batch)).toBe(2);
    expect(s.schedule(1, batch)).toBe(0);
    expect(warnings.join("\n")).toMatch(/line 1 .*speed.* Infinity/);
  });
});

describe("the scheduler never throws", () => {
  it("a frame that is NaN (what `bpm: 0.0000001` gave) or a clock that throws: events left out, one warning each, no exception", () => {
    const r = compile('out: s "bd*4"\n');
    for (const [clock, expected] of [
      [{ frameAt: () => NaN, frameAtOffset: () => NaN }, /line 1 gives an event whose time \(frame\) is NaN; events like it are skipped/],
      [{ frameAt: () => 2 ** 60, frameAtOffset: () => 2 ** 60 }, /line 1 gives an event whose time \(frame\) is 1152921504606847000/],
      [
        {
          frameAt: () => {
            throw new RangeError("fraction overflow");
          },
          frameAtOffset: () => {
            throw new RangeError("fraction overflow");
          },
        },
        /line 1: an event could not be scheduled \(fraction overflow\)/,
      ],
    ] as const) {
      const warnings: string[] = [];
      const s = new Scheduler(r.ir!, r.lanes, { sampleRate: 48000, resolveSample: () => 1, warn: (m) => warnings.push(m), clock: clock as unknown as Clock });
      const batch = new EventBatch();
      expect(() => s.schedule(0, batch)).not.toThrow();
      expect(() => s.schedule(1, batch)).not.toThrow();
      expect(batch.count).toBe(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(expected);
    }
  });
});

describe("the tempo's range", () => {
  it(`\`bpm: 0.0000001\` is a located error saying the range (${MIN_CPS}…${MAX_CPS} cps), not "frame … got NaN"`, () => {
    expect(errors('bpm: 0.0000001\nout: s "bd"')).toEqual([expect.stringMatching(/^1:1 bpm 1e-7 is out of range: the tempo must be 0\.001…1000 cycles per second \(bpm 0\.06…60000\)/)]);
    const r = renderSource("bpm", 'bpm: 0.0000001\nout: s "bd"\n');
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toMatch(/bpm\.ph:1:1: error: bpm 1e-7 is out of range/);
    expect(r.stderr).not.toMatch(/internal error|NaN/);
  });

  it("`tempo: 100000000` and `tempo: 0` are errors; the ends of the range compile", () => {
    expect(errors('tempo: 100000000\nout: s "bd"')).toEqual([expect.stringMatching(/^1:1 tempo 100000000 is out of range/)]);
    expect(errors('tempo: 0\nout: s "bd"')).toHaveLength(1);
    expect(errors(`tempo: ${MIN_CPS}\nout: s "bd"`)).toEqual([]);
    expect(errors(`tempo: ${MAX_CPS}\nout: s "bd"`)).toEqual([]);
    expect(errors('bpm: 120\nout: s "bd"')).toEqual([]);
  });
});

describe("IR the engine would refuse", () => {
  it("`mtof 100000` (Infinity, which JSON writes as null) is an error at the mtof", () => {
    expect(errors("out: sine (mtof 100000)")).toEqual([expect.stringMatching(/^1:12 mtof 100000 is Infinity Hz/)]);
    const r = renderSource("mtof", "out: sine (mtof 100000)\n");
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toMatch(/mtof\.ph:1:12: error: mtof 100000 is Infinity Hz/);
  });

  it("a literal too long for a double (Infinity) is an error at the node that takes it", () => {
    expect(errors(`out: sine ${"9".repeat(400)}`)).toEqual([expect.stringMatching(/^1:6 the 'freq' of 'sine' is Infinity: it must be a finite number/)]);
  });

  it("the literal 99999999999999999999 (past 2^64) gives IR the engine loads, and render exits 0", () => {
    const r = compile("out: sine 99999999999999999999 * 0");
    expect(r.ir).toBeDefined();
    expect(JSON.stringify(r.ir)).toContain("100000000000000000000");
    expect(() => new Engine(48000, 512).load(r.ir!)).not.toThrow();
    const cli = renderSource("bigint", "out: sine 99999999999999999999 * 0.1\n");
    expect(cli.code, cli.all).toBe(0);
  });

  it('`s "bd sn" # segments 4 1`: the gate lane goes on the segments envelope, not on the mul; render exits 0 with sound', () => {
    for (const src of ['out: s "bd sn" # segments 4 1', 'out: s "bd sn" # segments "0 1 0" "0.01 0.2"', 'out: s "bd sn" # line 1 0 0.3']) {
      const r = compile(src);
      expect(r.diagnostics.filter((d) => d.severity === "error"), src).toEqual([]);
      const gated = r.ir!.nodes.filter((n) => n.params.gate);
      expect(gated.map((n) => n.kind), src).toEqual([src.includes("line") ? "line" : "segments"]);
      expect(() => new Engine(48000, 512).load(r.ir!), src).not.toThrow();
    }
    const cli = renderSource("segments", 'tempo: 1\nout: s "bd sn" # segments "0 1 0" "0.01 0.2"\n');
    expect(cli.code, cli.all).toBe(0);
    const x = readWav(cli.out).data[0]!;
    expect(x.some((v) => Math.abs(v) > 0.01)).toBe(true);
  });
});
