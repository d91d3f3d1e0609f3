//! The real device path: `phonon live --sink device` through cpal and ALSA into a PulseAudio null sink, played in real time with no underruns. Skips, visibly, where no PulseAudio server runs (.ci/run starts one).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const pulse = spawnSync("pactl", ["info"], { encoding: "utf8" });
const available = pulse.status === 0;
if (!available) console.warn("device test skipped: no PulseAudio server (`pactl info` failed); .ci/run starts one with a null sink");

describe.skipIf(!available)("phonon live --sink device (PulseAudio null sink)", () => {
  it("plays in real time with no underruns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "phonon-device-"));
    const file = join(dir, "device.ph");
    writeFileSync(file, "tempo: 1\nout: sine 440 * 0.3\n");
    const proc = spawn(process.execPath, [join(root, "cli", "bin.cjs"), "live", file, "--sink", "device", "--no-tui"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const status: { at: number; cycle: number; underruns: number }[] = [];
    let out = "";
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      for (const m of d.toString().matchAll(/\[status\] v\d+ cycle ([\d.]+) .*underruns (\d+)/g)) {
        status.push({ at: Date.now(), cycle: Number(m[1]), underruns: Number(m[2]) });
      }
    });
    proc.stderr.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 7500));
    proc.kill("SIGINT");
    const code = await new Promise((r) => proc.on("exit", r));
    expect(code, out).toBe(0);
    expect(out).toMatch(/sink device \(/);
    // PulseAudio's null sink takes a first second to settle (it buffers ahead); from then on the
    // cycle position, at 1 cycle per second, must advance as fast as the wall clock (±10 %).
    // A status line reaches this process when it is read, never before it is written, so on a
    // loaded machine some arrive late: each half of the steady run is placed by its earliest
    // line relative to the cycle it reports (the lower envelope), which late lines cannot move.
    const steady = status.filter((s) => s.cycle >= 1);
    expect(steady.length, out).toBeGreaterThanOrEqual(4);
    const half = Math.floor(steady.length / 2);
    const place = (xs: typeof steady): (typeof steady)[number] =>
      xs.reduce((best, s) => (s.at - s.cycle * 1000 < best.at - best.cycle * 1000 ? s : best));
    const first = place(steady.slice(0, half));
    const last = place(steady.slice(half));
    const rate = (last.cycle - first.cycle) / ((last.at - first.at) / 1000);
    expect(Math.abs(rate - 1), JSON.stringify(steady)).toBeLessThan(0.1);
    expect(last.underruns, out).toBe(0);
    expect(out).toMatch(/underruns 0; late events 0/);
  }, 15000);
});
