//! `phonon live` and atomic saves (a temp file renamed over the file, as vim, emacs and JetBrains editors save): every burst is seen and its last save is what plays (issue 15).
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dominantFrequency } from "./analysis.js";
import { LiveProc, sleep } from "./liveproc.js";
import { readWav } from "./wav.js";

const dir = mkdtempSync(join(tmpdir(), "phonon-watch-"));
const SR = 48000;
let temp = 0;

/** An editor's atomic save: write a temp file beside it, rename it over the file. */
function atomicSave(file: string, text: string): void {
  const tmp = join(dir, `.${++temp}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const tone = (hz: number): string => `out: sine ${hz} * 0.2\n`;

describe("phonon live, atomic saves", () => {
  it("10 atomic saves 10 ms apart, then one 3 s later: the burst's last and the later one both play", async () => {
    const file = join(dir, "burst.ph");
    const wav = join(dir, "burst.wav");
    writeFileSync(file, tone(300));
    const live = new LiveProc([file, "--sample-rate", String(SR), "--record", wav]);
    try {
      await live.waitFor(/\[reload\] v1 /);
      for (let i = 0; i < 10; i++) {
        atomicSave(file, tone(400 + 10 * i));
        await sleep(10);
      }
      await sleep(3000);
      const from = live.lines.length;
      atomicSave(file, tone(880));
      const last = await live.waitFor(/\[reload\] v\d+ playing from frame (\d+)/, from, 2000);
      await sleep(400);
      expect(await live.stop()).toBe(0);
      const x = readWav(wav).data[0]!;
      const swap = Number(last.match[1]);
      // Before the last save: the burst's last version (490 Hz); after it: 880 Hz.
      expect(Math.abs(dominantFrequency(x.subarray(swap - 9600, swap), SR) - 490)).toBeLessThan(2);
      expect(Math.abs(dominantFrequency(x.subarray(swap, swap + 9600), SR) - 880)).toBeLessThan(2);
    } finally {
      live.proc.kill("SIGKILL");
    }
  }, 20000);

  it("two atomic saves 50 ms apart, three times: the second of each pair plays", async () => {
    const file = join(dir, "two.ph");
    const wav = join(dir, "two.wav");
    writeFileSync(file, tone(300));
    const live = new LiveProc([file, "--sample-rate", String(SR), "--record", wav]);
    try {
      await live.waitFor(/\[reload\] v1 /);
      const swaps: { frame: number; hz: number }[] = [];
      for (let round = 0; round < 3; round++) {
        const from = live.lines.length;
        atomicSave(file, tone(500 + 40 * round));
        await sleep(50);
        atomicSave(file, tone(700 + 40 * round));
        await sleep(600);
        const reloads = live.lines.slice(from).map((l) => /\[reload\] v\d+ playing from frame (\d+)/.exec(l.text)).filter((m) => m !== null);
        expect(reloads.length, live.text()).toBeGreaterThanOrEqual(1);
        swaps.push({ frame: Number(reloads[reloads.length - 1]![1]), hz: 700 + 40 * round });
      }
      expect(await live.stop()).toBe(0);
      const x = readWav(wav).data[0]!;
      for (const { frame, hz } of swaps) expect(Math.abs(dominantFrequency(x.subarray(frame, frame + 9600), SR) - hz)).toBeLessThan(2);
    } finally {
      live.proc.kill("SIGKILL");
    }
  }, 20000);
});
