//! The ekg kit's port (test/ekg-kit.ts) against mkkit.py, byte for byte, and its numpy generator against numpy's own draws.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ekgKit, KIT_SOUNDS, KIT_VARIANTS, writeEkgKit } from "./ekg-kit.js";
import { NumpyRng, seedSequenceState64 } from "./numpy-random.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const renders = join(root, "..", "shared", "phonon-corpus", "ekg-renders");
const mkkit = join(renders, "mkkit.py");
/** The Python that runs mkkit.py: `python3`, or `EKG_KIT_PYTHON` (e.g. a venv's, with numpy and scipy). */
const python = process.env.EKG_KIT_PYTHON || "python3";

describe("numpy's default_rng(1), ported", () => {
  // Expected values: numpy 2.4.6's output (Python 3.11, x86-64), e.g.
  // `np.random.SeedSequence(1).generate_state(4, np.uint64)`, `np.random.PCG64(1).random_raw(3)`,
  // `np.random.default_rng(1).random(3)`, `np.random.default_rng(1).standard_normal(5)`.
  it("SeedSequence(1) gives PCG64 numpy's four seed words", () => {
    expect(seedSequenceState64(1n, 4)).toEqual([0x672d8ee56d6791ffn, 0x8ae19ca14eb1072cn, 0x4915796d1322fc4an, 0xd0cc2bdcaba049bdn]);
  });

  it("PCG64(1)'s raw 64-bit outputs", () => {
    const rng = new NumpyRng(1);
    expect([rng.nextUint64(), rng.nextUint64(), rng.nextUint64()]).toEqual([0x8306bdf37922e4ffn, 0xf35196bbc152a866n, 0x24e7a4f608ec18cdn]);
  });

  it("random() and standard_normal() draw numpy's values", () => {
    const u = new NumpyRng(1);
    expect([u.random(), u.random(), u.random()]).toEqual([0.5118216247002567, 0.9504636963259353, 0.14415961271963373]);
    const n = new NumpyRng(1);
    expect(Array.from(n.standardNormals(5))).toEqual([0.345584192064786, 0.8216181435011584, 0.33043707618338714, -1.303157231604361, 0.9053558666731177]);
  });

  it("200,000 normals (the ziggurat's tail and wedges included) leave numpy's stream where numpy's does", () => {
    // numpy: g = default_rng(1); x = g.standard_normal(200000) has 60 draws beyond r = 3.654
    // (its tail branch); x[-1] and the next g.random() are these.
    const rng = new NumpyRng(1);
    const x = rng.standardNormals(200_000);
    expect(x.filter((v) => Math.abs(v) > 3.6541528853610088).length).toBe(60);
    expect(x[199_999]).toBe(-0.04415526720711728);
    expect(rng.random()).toBe(0.6021926666499507);
  }, 30_000); // ~0.1 s here; BigInt arithmetic on a loaded CI machine
});

describe("the ekg kit", () => {
  it("has mkkit.py's 24 files, their lengths and peaks", () => {
    const kit = ekgKit();
    expect(kit.map((k) => k.path).sort()).toEqual(KIT_SOUNDS.flatMap((s) => Array.from({ length: KIT_VARIANTS }, (_, i) => `${s}/${i}.wav`)).sort());
    // mkkit.py: t(d) has int(44100·d) samples; bd 0.45 s, sn and cp 0.3, hh 0.12, oh 0.5, toms 0.4.
    const seconds: Record<string, number> = { bd: 0.45, sn: 0.3, hh: 0.12, oh: 0.5, cp: 0.3, lt: 0.4, mt: 0.4, ht: 0.4 };
    for (const { path, samples } of kit) {
      expect(samples.length, path).toBe(Math.trunc(44100 * seconds[path.split("/")[0]!]!));
      // Scaled to 0.9 of max|y| + 1e-9, times 32767, truncated: the peak is ⌊29490.3 − 3e-5⌋.
      expect(Math.max(...Array.from(samples, Math.abs)), path).toBe(29490);
    }
  });

  it("our kit is mkkit.py's, byte for byte", (ctx) => {
    if (!existsSync(mkkit)) {
      console.warn(`ekg-kit: ${mkkit} is absent (it comes with ../shared): the comparison with mkkit.py is skipped`);
      return ctx.skip();
    }
    const probe = spawnSync(python, ["-c", "import numpy, scipy; print(numpy.__version__)"], { encoding: "utf8" });
    if (probe.status !== 0) {
      console.warn(`ekg-kit: ${python} lacks numpy or scipy, so the kit is not compared with mkkit.py's (set EKG_KIT_PYTHON to a Python that has them)`);
      return ctx.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "phonon-ekg-kit-"));
    try {
      const theirs = join(dir, "mkkit");
      const r = spawnSync(python, [mkkit, theirs], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const ours = writeEkgKit(join(dir, "ours"));
      const names = (d: string) => readdirSync(d, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".wav")).sort();
      expect(names(ours)).toEqual(names(theirs));
      expect(names(theirs).length).toBe(KIT_SOUNDS.length * KIT_VARIANTS);
      const differing: string[] = [];
      for (const f of names(theirs)) {
        const a = readFileSync(join(theirs, f));
        const b = readFileSync(join(ours, f));
        if (a.equals(b)) continue;
        let samples = 0;
        for (let p = 44; p + 1 < Math.min(a.length, b.length); p += 2) if (a.readInt16LE(p) !== b.readInt16LE(p)) samples++;
        differing.push(`${f}: ${a.length} against ${b.length} bytes, ${samples} samples differ`);
      }
      expect(differing, `with numpy ${probe.stdout.trim()}`).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000); // mkkit.py takes ~1 s, numpy's import included; more on a loaded machine
});
