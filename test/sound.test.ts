//! What the sound engine plays, end to end: every catalogue name renders, chords, sample-accurate onsets, stereo pan and jux, bit-identical renders.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { bandEnergy, dominantFrequency, powerSpectrum, rms } from "./analysis.js";
import { builtinPrograms } from "./builtins.js";
import { readWav } from "./wav.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "phonon-sound-"));

function render(name: string, source: string, ...opts: string[]) {
  const file = join(dir, `${name}.ph`);
  const out = join(dir, `${name}.wav`);
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), "render", file, out, ...opts], { cwd: root, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return { wav: readWav(out), out, stdout: r.stdout };
}

describe("the sound engine", () => {
  it("renders every catalogue name that has a kernel, with finite output", async () => {
    const { Engine } = await import("../cli/engine.js");
    const failures: string[] = [];
    for (const { src } of builtinPrograms()) {
      const r = compile(src);
      if (!r.ir) {
        failures.push(`${src}: does not compile`);
        continue;
      }
      const engine = new Engine(44100, 512);
      try {
        engine.load(r.ir);
        const x = engine.renderBuffer(4410);
        if (!x.every(Number.isFinite)) failures.push(`${src}: non-finite output`);
        if (engine.stats().nonfinite > 0) failures.push(`${src}: NaN/Inf flushed by the master`);
      } catch (e) {
        failures.push(`${src}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("plays the chord c4'maj as three voices at 261.63, 329.63 and 392.00 Hz (±1 Hz)", () => {
    const { wav, stdout } = render("chord", "tempo: 1\n~keys: sine\nout: s \"~keys\" # note \"c4'maj\" * 0.3\n", "--seconds", "1");
    expect(stdout).toMatch(/voices peak 3/);
    const { power, binHz } = powerSpectrum(wav.data[0]!, 44100, 1 << 17);
    // The three strongest local maxima between 200 and 500 Hz, refined by parabolic interpolation.
    const peaks: { hz: number; p: number }[] = [];
    for (let k = Math.ceil(200 / binHz); k < 500 / binHz; k++) {
      if (power[k]! > power[k - 1]! && power[k]! >= power[k + 1]!) {
        const [a, b, c] = [Math.log(power[k - 1]!), Math.log(power[k]!), Math.log(power[k + 1]!)];
        peaks.push({ hz: (k + (0.5 * (a - c)) / (a - 2 * b + c)) * binHz, p: power[k]! });
      }
    }
    const top = peaks.sort((x, y) => y.p - x.p).slice(0, 3).map((x) => x.hz).sort((x, y) => x - y);
    // Equal temperament from A4 = 440 Hz: C4 = 440·2^(−9/12), E4 = 440·2^(−5/12), G4 = 440·2^(−2/12).
    const want = [-9, -5, -2].map((s) => 440 * 2 ** (s / 12));
    top.forEach((hz, i) => expect(Math.abs(hz - want[i]!), `${hz} vs ${want[i]}`).toBeLessThan(1));
  });

  it("starts an event at cycle 1/3 within one sample of its exact frame", () => {
    // At 1 cps and 44.1 kHz, cycle 1/3 is frame 14700 exactly; nothing sounds before it.
    const { wav } = render("third", 'tempo: 1\nout: s "~ bd ~"\n', "--seconds", "0.5");
    const first = wav.data[0]!.findIndex((v) => v !== 0);
    expect(first).toBeGreaterThanOrEqual(14700);
    expect(first).toBeLessThanOrEqual(14701);
  });

  it("puts all the energy left with pan -1, and right with pan 1", () => {
    const left = render("left", 'tempo: 1\nout: s "bd sn" # pan -1\n', "--seconds", "1").wav;
    expect(rms(left.data[0]!)).toBeGreaterThan(0.05);
    expect(rms(left.data[1]!)).toBe(0);
    const right = render("right", 'tempo: 1\nout: s "bd sn" # pan 1\n', "--seconds", "1").wav;
    expect(rms(right.data[0]!)).toBe(0);
    expect(rms(right.data[1]!)).toBeGreaterThan(0.05);
  });

  it("jux rev: the original hard left, the reversed pattern hard right", () => {
    const jux = render("jux", 'tempo: 1\nout: s "bd sn hh cp" $ jux rev\n', "--seconds", "1").wav;
    const orig = render("orig", 'tempo: 1\nout: s "bd sn hh cp" # pan -1\n', "--seconds", "1").wav;
    const reversed = render("rev", 'tempo: 1\nout: s "cp hh sn bd" # pan 1\n', "--seconds", "1").wav;
    expect(Array.from(jux.data[0]!)).toEqual(Array.from(orig.data[0]!));
    expect(Array.from(jux.data[1]!)).toEqual(Array.from(reversed.data[1]!));
    expect(Array.from(jux.data[0]!)).not.toEqual(Array.from(jux.data[1]!));
  });

  it("plays unit \"c\" speeds in cycles: speed 2 stretches a sample over half a cycle", () => {
    // At 0.5 cps a cycle is 2 s, so speed 2 (two plays per cycle) makes the kick last 1 s.
    const x = render("unitc", 'tempo: 0.5\nout: s "bd" # unit "c" # speed 2\n', "--seconds", "2").wav.data[0]!;
    let last = x.length - 1;
    while (last > 0 && x[last] === 0) last--;
    expect(Math.abs(last / 44100 - 1)).toBeLessThan(0.002);
  });

  it("plays every breakpoint of a long `segments` list, free-running and restarted by a gate", () => {
    // Reference §3.5: `segments "levels" "times"` is a breakpoint envelope: level k to level k+1,
    // linearly, in time k; then it holds the last level. The corpus writes up to 8 levels.
    const levels = [0, 0.3, 0.6, 0.9, 0.6, 0.3, 0.1, 0.2];
    const times = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const want = (t: number): number => {
      let start = 0;
      for (let k = 0; k < times.length; k++) {
        if (t < start + times[k]!) return levels[k]! + ((levels[k + 1]! - levels[k]!) * (t - start)) / times[k]!;
        start += times[k]!;
      }
      return levels[levels.length - 1]!;
    };
    const env = `segments "${levels.join(" ")}" "${times.join(" ")}"`;
    // Half scale keeps the master limiter (above −1 dBFS) out of it.
    const free = render("segments8", `tempo: 1\nout: ${env} * 0.5\n`, "--seconds", "1").wav.data[0]!;
    // With a gate, it restarts at each of the gate's events (here at 0 and 0.5 s).
    const gated = render("segments8-gated", `tempo: 1\nout: ${env} "t*2" * 0.5\n`, "--seconds", "1").wav.data[0]!;
    for (const t of [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.95]) {
      expect(Math.abs(free[Math.round(t * 44100)]! - 0.5 * want(t)), `free, t = ${t}`).toBeLessThan(0.002);
      expect(Math.abs(gated[Math.round(t * 44100)]! - 0.5 * want(t % 0.5)), `gated, t = ${t}`).toBeLessThan(0.002);
    }
  });

  it("switches values and effects per cycle (every_val, every_effect)", () => {
    // every n: cycle 0 is an "on" cycle (cycle mod n == 0), as in Tidal's every.
    const v = render("everyval", "tempo: 1\nout: sine (every_val 2 440 220) * 0.5\n", "--seconds", "2").wav.data[0]!;
    expect(Math.abs(dominantFrequency(v.subarray(0, 44100), 44100) - 440)).toBeLessThan(1);
    expect(Math.abs(dominantFrequency(v.subarray(44100, 88200), 44100) - 220)).toBeLessThan(1);
    const e = render("everyfx", "tempo: 1\nout: every_effect (saw 110 * 0.5) 2 (# lpf 300)\n", "--seconds", "2").wav.data[0]!;
    const hf = (x: Float32Array) => bandEnergy(x, 44100, 2000, 22050);
    // A 2-pole lowpass at 300 Hz takes more than 20 dB off everything above 2 kHz (2.7 octaves).
    expect(10 * Math.log10(hf(e.subarray(44100, 88200)) / hf(e.subarray(0, 44100)))).toBeGreaterThan(20);
  });

  it("renders every bundled example twice to bit-identical files", () => {
    for (const name of readdirSync(join(root, "patterns")).filter((f) => f.endsWith(".ph"))) {
      const source = readFileSync(join(root, "patterns", name), "utf8");
      const a = render(`${name}-a`, source, "--cycles", "2").out;
      const b = render(`${name}-b`, source, "--cycles", "2").out;
      expect(readFileSync(a).equals(readFileSync(b)), name).toBe(true);
    }
  }, 60000);
});
