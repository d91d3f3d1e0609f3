//! `phonon live` picks up samples added and removed under a sample root while it plays: a missing name is warned about first, then sounds within a second of the copy.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LiveProc, sleep } from "./liveproc.js";
import { encodeWav16, readWav } from "./wav.js";

const SR = 44100;

/** A 16-bit mono WAV of a 1 kHz sine, 50 ms at half scale. */
function burst(path: string): void {
  const n = Math.round(0.05 * SR);
  writeFileSync(path, encodeWav16(SR, Int16Array.from({ length: n }, (_, i) => Math.round(16383 * Math.sin((2 * Math.PI * 1000 * i) / SR)))));
}

describe("live: samples while playing", () => {
  it("warns about a missing sample, plays it within a second of its copy, and lets it go when removed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "phonon-hot-"));
    const roots = join(dir, "samples");
    mkdirSync(roots);
    const file = join(dir, "hot.ph");
    writeFileSync(file, 'tempo: 1\nout: s "newone*8"\n');
    const wav = join(dir, "rec.wav");
    const source = join(dir, "burst.wav");
    burst(source);
    const env = { ...process.env, PHONON_SAMPLES: "" };
    const live = new LiveProc([file, "--samples", roots, "--record", wav, "--sample-rate", String(SR)], env);
    let copied = 0;
    let removed = 0;
    try {
      const missing = await live.waitFor(/sample 'newone' not found/, 0, 15_000);
      await sleep(500);
      copied = Date.now();
      mkdirSync(join(roots, "newone"));
      copyFileSync(source, join(roots, "newone", "a.wav"));
      const added = await live.waitFor(/samples: 'newone' added \(1 file\)/, 0, 5000);
      expect(added.index).toBeGreaterThan(missing.index);
      await sleep(1500);
      rmSync(join(roots, "newone"), { recursive: true });
      removed = Date.now();
      await live.waitFor(/samples: 'newone' removed; its sounding voices finish/, added.index, 5000);
      await sleep(1500);
    } finally {
      await live.stop();
    }
    const stopped = Date.now();
    const rec = readWav(wav);
    const left = rec.data[0]!;
    const loud = (x: number): boolean => Math.abs(x) > 0.01;
    const first = left.findIndex(loud);
    expect(first).toBeGreaterThan(0);
    // The recording ends no later than the process exit, so `stopped − (frames after the first
    // hit)` is a latest bound on when the first hit was played (wall clock): within 1 s of the
    // copy (the loader lists the roots every 250 ms and decodes a file once it has held still
    // for one listing).
    const heard = stopped - ((left.length - first) / rec.sampleRate) * 1000;
    expect(heard - copied).toBeLessThan(1000);
    // Removed: the hits stop. The recording's last second (which began after the removal was
    // reported, plus the 8 Hz pattern's gap) is silent.
    let last = left.length - 1;
    while (last > 0 && !loud(left[last]!)) last--;
    const silentFor = ((left.length - 1 - last) / rec.sampleRate) * 1000;
    expect(silentFor).toBeGreaterThan(1000);
    expect(stopped - removed).toBeGreaterThan(silentFor);
  }, 40_000);
});
