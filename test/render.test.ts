//! End to end: `phonon render` on small programs, the WAV read back and analysed (FFT, RMS, onsets).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bandEnergy, dominantFrequency, onsets, rms } from "./analysis.js";
import { readWav } from "./wav.js";
import { Engine } from "../cli/engine.js";
import { compile } from "../language/compile/lower.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "phonon-render-"));

/** Run the real CLI, as a user would after `npm run setup`. */
function phonon(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function render(name: string, source: string, ...opts: string[]) {
  const file = join(dir, `${name}.ph`);
  const out = join(dir, `${name}.wav`);
  writeFileSync(file, source);
  const r = phonon("render", file, out, ...opts);
  expect(r.stderr, r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return { wav: readWav(out), stdout: r.stdout };
}

describe("phonon render", () => {
  it("renders `sine 440 * 0.5` as a stereo 440 Hz tone of RMS 0.5/√2", () => {
    const { wav, stdout } = render("sine", "out: sine 440 * 0.5\n", "--seconds", "1");
    expect(wav.channels).toBe(2);
    expect(wav.format).toBe(3); // IEEE float
    expect(wav.bitsPerSample).toBe(32);
    expect(wav.sampleRate).toBe(44100);
    expect(wav.data[0]!.length).toBe(44100);
    for (const ch of wav.data) {
      expect(Math.abs(dominantFrequency(ch, 44100) - 440)).toBeLessThan(1);
      // A sine of amplitude A has RMS A/√2; over whole periods (1 s = 440 periods) exactly so.
      expect(Math.abs(rms(ch) / (0.5 / Math.SQRT2) - 1)).toBeLessThan(0.005);
    }
    expect(stdout).toMatch(/peak\s+L -6\.0 dBFS/); // 20·log10(0.5) = −6.02
    expect(stdout).toMatch(/realtime/);
  });

  it("plays `s \"bd*4\"` at tempo 1 as exactly 8 onsets in 2 s, each within 1 ms of k·0.25 s", () => {
    const { wav } = render("bd", 'tempo: 1\nout: s "bd*4"\n', "--seconds", "2");
    for (const ch of wav.data) {
      const found = onsets(ch, 44100);
      expect(found).toHaveLength(8);
      found.forEach((n, k) => expect(Math.abs(n / 44100 - k * 0.25)).toBeLessThan(0.001));
    }
  });

  it("filters: `saw 110 # lpf 500` has ≥ 20 dB less energy above 2 kHz than `saw 110`", () => {
    const dry = render("saw", "out: saw 110 * 0.5\n", "--seconds", "1").wav.data[0]!;
    const wet = render("lpf", "out: saw 110 # lpf 500 * 0.5\n", "--seconds", "1").wav.data[0]!;
    const ratioDb = 10 * Math.log10(bandEnergy(dry, 44100, 2000, 22050) / bandEnergy(wet, 44100, 2000, 22050));
    expect(ratioDb).toBeGreaterThanOrEqual(20);
    // The fundamental, well below the cutoff, passes (a 2-pole lowpass at 500 Hz, q 1, is within 1 dB at 110 Hz).
    const fundDb = 10 * Math.log10(bandEnergy(dry, 44100, 100, 120) / bandEnergy(wet, 44100, 100, 120));
    expect(Math.abs(fundDb)).toBeLessThan(1);
  });

  it("renders --cycles at the file's tempo and a different --sample-rate", () => {
    const { wav } = render("cyc", "tempo: 2\nout: sine 1000 * 0.25\n", "--cycles", "3", "--sample-rate", "48000");
    expect(wav.sampleRate).toBe(48000);
    expect(wav.data[0]!.length).toBe(72000); // 3 cycles / 2 cps = 1.5 s
    expect(Math.abs(dominantFrequency(wav.data[1]!, 48000) - 1000)).toBeLessThan(1);
  });

  it("renders every bundled example without error, with sound, within the limiter's threshold", () => {
    const names = readdirSync(join(root, "patterns")).filter((f) => f.endsWith(".ph"));
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const out = join(dir, `example-${name}.wav`);
      const r = phonon("render", join(root, "patterns", name), out, "--cycles", "2");
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const wav = readWav(out);
      expect(rms(wav.data[0]!), `${name} is not silent (RMS above −60 dBFS)`).toBeGreaterThan(1e-3);
      // The examples leave headroom: the master's safety limiter never has to act on them.
      expect(r.stdout, name).not.toMatch(/warning|limiter/);
    }
  }, 60000);
});

describe("bad input", () => {
  it("exits 1 on a parse error with file:line:col and a caret, writing no WAV", () => {
    const file = join(dir, "bad.ph");
    const out = join(dir, "bad.wav");
    writeFileSync(file, "tempo: 1\nout: sine 440 * (0.5\n");
    const r = phonon("render", file, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:2:`);
    expect(r.stderr).toMatch(/\^/);
    expect(existsSync(out)).toBe(false);
  });

  it("names an unknown function", () => {
    const file = join(dir, "unknown.ph");
    writeFileSync(file, "out: sinee 440\n");
    const r = phonon("render", file, join(dir, "unknown.wav"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown function 'sinee'");
    expect(r.stderr).toContain("did you mean 'sine'");
  });

  it("says clearly when the output directory does not exist", () => {
    const file = join(dir, "ok.ph");
    writeFileSync(file, "out: sine 440 * 0.1\n");
    const r = phonon("render", file, join(dir, "no", "such", "dir", "x.wav"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/directory .* does not exist/);
  });

  it("warns about a missing sample and plays the rest", () => {
    const { wav, stdout } = render("missing", 'tempo: 1\nout: s "bd nosuchsample"\n', "--seconds", "1");
    expect(stdout).toContain("sample 'nosuchsample' not found");
    expect(onsets(wav.data[0]!, 44100)).toHaveLength(1);
  });
});

describe("rendering in the background (renderStart)", () => {
  const ir = (text: string) => {
    const r = compile(text);
    expect(r.ir).toBeDefined();
    return r.ir!;
  };
  const program = 'out: sine 220 * 0.3 + (s "bd*4" # gain 0.5)\n';

  it("gives the bytes `render` gives, with calls between a start and its finish waiting for it", () => {
    const outs = ["sync", "async"].map((how) => {
      const e = new Engine(44100, 512);
      e.load(ir(program));
      const out = join(dir, `bg-${how}.wav`);
      e.openWav(out);
      const bd = e.sampleId("bd", 0);
      expect(bd, "the built-in kit's bd").toBeDefined();
      for (let k = 0; k < 4; k++) {
        // A trigger a quarter-second into each piece of 22,050 frames.
        const batch = new Float64Array([k * 22050 + 11025, 0, 0, 1, 0, bd!]);
        if (how === "sync") {
          e.pushEvents(batch);
          e.render(22050);
        } else {
          e.pushEvents(batch); // waits for the piece still rendering
          e.renderStart(22050);
        }
      }
      if (how === "async") e.renderFinish();
      // A second finish has nothing to wait for.
      if (how === "async") e.renderFinish();
      e.closeWav();
      return readFileSync(out);
    });
    expect(outs[1]!.length).toBe(outs[0]!.length);
    expect(outs[1]!.equals(outs[0]!)).toBe(true);
  });

  it("reports a failed write at the next call, as a `writing` error", () => {
    const e = new Engine(44100, 512);
    e.load(ir(program));
    // Every write to /dev/full fails with "no space left on device".
    e.openWav("/dev/full");
    e.renderStart(4 * 65536);
    expect(() => e.renderFinish()).toThrow(/^writing /);
    // Reported once; the engine goes on.
    expect(() => e.stats()).not.toThrow();
  });
});
