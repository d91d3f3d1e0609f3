//! End to end: `phonon render --samples DIR` with generated WAVs (a 48 kHz tone must keep its pitch at 44.1 kHz) and, when installed, real FLAC files from Debian's sonic-pi-samples.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dominantFrequency, onsets, rms } from "./analysis.js";
import { encodeWav16, readWav } from "./wav.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "phonon-samples-"));

function phonon(...args: string[]) {
  const env = { ...process.env, PHONON_SAMPLES: "" };
  const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), ...args], { cwd: root, encoding: "utf8", env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A mono 16-bit PCM WAV. */
function writeWav16(path: string, rate: number, data: Float64Array): void {
  writeFileSync(path, encodeWav16(rate, Int16Array.from(data, (x) => Math.round(Math.max(-1, Math.min(1, x)) * 32767))));
}

function render(name: string, source: string, ...opts: string[]) {
  const file = join(dir, `${name}.ph`);
  const out = join(dir, `${name}.wav`);
  writeFileSync(file, source);
  const r = phonon("render", file, out, ...opts);
  expect(r.stderr, r.stderr).not.toMatch(/error/);
  expect(r.code, r.stderr).toBe(0);
  return { wav: readWav(out), stdout: r.stdout };
}

describe("phonon render --samples", () => {
  // A 660 Hz tone of amplitude 0.5, 0.4 s at 48 kHz (19200 frames), starting at full level (a cosine).
  const bank = join(dir, "bank");
  mkdirSync(join(bank, "tone"), { recursive: true });
  const tone = new Float64Array(19200).map((_, i) => 0.5 * Math.cos((2 * Math.PI * 660 * i) / 48000));
  writeWav16(join(bank, "tone", "a.wav"), 48000, tone);
  writeFileSync(join(bank, "tone", "z-corrupt.wav"), "RIFF....WAVEnot really");

  it("plays a 48 kHz file at its pitch (660 Hz ± 1) and length (0.4 s) at 44.1 kHz, on the beat", () => {
    const { wav, stdout } = render("tone", 'tempo: 1\nout: s "tone tone"\n', "--seconds", "1", "--samples", bank);
    expect(stdout).toMatch(new RegExp(`samples\\s+1 files, 1 names from ${bank.replace(/[/\\]/g, "\\$&")} \\(1 names, 1 files\\)`));
    expect(stdout).toContain(`${join(bank, "tone", "z-corrupt.wav")}:`);
    const l = wav.data[0]!;
    const found = onsets(l, 44100);
    expect(found).toHaveLength(2);
    found.forEach((n, k) => expect(Math.abs(n / 44100 - k * 0.5)).toBeLessThan(0.001));
    // Unresampled it would be 660 · 48000/44100 = 718.4 Hz.
    expect(Math.abs(dominantFrequency(l.subarray(1000, 17000), 44100) - 660)).toBeLessThan(1);
    // 0.4 s = 17640 frames, then silence until the next onset at 22050.
    const last = l.subarray(0, 22050).findLastIndex((v) => Math.abs(v) > 1e-3);
    expect(Math.abs(last - 17640)).toBeLessThan(10);
    // Level kept: RMS of a 0.5 sine is 0.354 (16-bit quantization is far below the tolerance).
    expect(Math.abs(rms(l.subarray(1000, 17000)) - 0.5 / Math.SQRT2)).toBeLessThan(0.005);
  });

  it("names the roots where a missing sample was looked for", () => {
    const { stdout } = render("missing", 'out: s "nosuch"\n', "--cycles", "1", "--samples", bank);
    expect(stdout).toContain(`sample 'nosuch' not found (line 1); looked in the built-in kit and ${bank}`);
  });

  const spi = "/usr/share/sonic-pi/samples";
  const spiFiles = ["bd_haus.flac", "drum_snare_hard.flac"];
  const installed = spiFiles.every((f) => existsSync(join(spi, f)));
  if (!installed) console.warn("NOTE: sonic-pi-samples is not installed (apt-get install sonic-pi-samples); the FLAC render test is skipped");
  it.skipIf(!installed)("renders real FLAC files from sonic-pi-samples mapped into a Dirt layout", () => {
    const flac = join(dir, "spi");
    for (const [name, f] of [["bd", spiFiles[0]!], ["sn", spiFiles[1]!]] as const) {
      mkdirSync(join(flac, name), { recursive: true });
      copyFileSync(join(spi, f), join(flac, name, f));
    }
    const { wav, stdout } = render("spi", 'tempo: 1\nout: s "bd sn" * 0.5\n', "--seconds", "1", "--samples", flac);
    expect(stdout).toMatch(/samples\s+2 files, 2 names from/);
    const kit = render("kit", 'tempo: 1\nout: s "bd sn" * 0.5\n', "--seconds", "1", "--samples", join(dir, "none")).wav;
    const l = wav.data[0]!;
    // Both halves sound, and they are not the built-in kit's sounds.
    expect(rms(l.subarray(0, 22050))).toBeGreaterThan(0.01);
    expect(rms(l.subarray(22050))).toBeGreaterThan(0.01);
    expect(Math.abs(rms(l) - rms(kit.data[0]!))).toBeGreaterThan(1e-3);
  });
});

describe("phonon render output options", () => {
  it("--bits 16 --mono --gain -6.0206 --tail 1: one 16-bit channel at half level, one second longer", () => {
    const { wav, stdout } = render("fmt", "out: sine 440 * 0.5\n", "--seconds", "1", "--bits", "16", "--mono", "--gain", "-6.0206", "--tail", "1");
    expect(stdout).toContain("mono 16-bit PCM (TPDF dither), gain -6.0206 dB, tail 1 s");
    expect(wav.format).toBe(1);
    expect(wav.bitsPerSample).toBe(16);
    expect(wav.channels).toBe(1);
    expect(wav.data[0]!.length).toBe(2 * 44100);
    // 0.5 · 10^(−6.0206/20) = 0.25 amplitude: RMS 0.25/√2 (dither adds ~1e-5, far below).
    expect(Math.abs(rms(wav.data[0]!.subarray(0, 44100)) / (0.25 / Math.SQRT2) - 1)).toBeLessThan(0.005);
    expect(Math.abs(dominantFrequency(wav.data[0]!.subarray(0, 44100), 44100) - 440)).toBeLessThan(1);
  });
});
