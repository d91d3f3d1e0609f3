//! Issue 15, "Lost work and files": a user's files are never destroyed (render or --record onto the program, onto a text file, a directory, a read-only path), a WAV is readable after Ctrl-C or SIGKILL, long renders are bounded by 24 hours and by free disk space, bad --samples are named.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, statSync, statfsSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freeBytes, wavBytes } from "../cli/render.js";
import { sampleRootWarnings } from "../cli/samples.js";
import { LiveProc, root, sleep } from "./liveproc.js";
import { readWav } from "./wav.js";

const dir = mkdtempSync(join(tmpdir(), "phonon-files-"));
const isRoot = process.getuid?.() === 0;

function phonon(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, PHONON_SAMPLES: "" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

const PROGRAM = "out: sine 440 * 0.2\n";

/** A program file with its own name. */
function program(name: string, text = PROGRAM): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("render never destroys the program or another file", () => {
  it("`phonon render X.ph X.ph` is refused, exit 1, X.ph unchanged", () => {
    const file = program("same.ph");
    const r = phonon("render", file, file, "--seconds", "0.1");
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toMatch(/refusing to write .*same\.ph: it is the input file/);
    expect(readFileSync(file, "utf8")).toBe(PROGRAM);
  });

  it("the same file by another path, through a symlink and through a hard link is refused too", () => {
    const file = program("linked.ph");
    symlinkSync(file, join(dir, "sym.wav"));
    linkSync(file, join(dir, "hard.wav"));
    for (const out of [join(dir, ".", "..", dir.split("/").pop()!, "linked.ph"), join(dir, "sym.wav"), join(dir, "hard.wav")]) {
      const r = phonon("render", file, out, "--seconds", "0.1");
      expect(r.code, `${out}: ${r.all}`).toBe(1);
      expect(r.stderr).toMatch(/it is the input file/);
    }
    expect(readFileSync(file, "utf8")).toBe(PROGRAM);
  });

  it("an existing file that is not a WAV (another .ph, a text file) is not overwritten; an older WAV is", () => {
    const file = program("keep.ph");
    const other = program("other.ph", "out: saw 110\n");
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "my set list\n");
    const asWav = join(dir, "text.wav");
    writeFileSync(asWav, "not audio\n");
    for (const out of [other, notes, asWav]) {
      const r = phonon("render", file, out, "--seconds", "0.1");
      expect(r.code, r.all).toBe(1);
      expect(r.stderr).toMatch(/refusing to (overwrite|write)/);
    }
    expect(readFileSync(other, "utf8")).toBe("out: saw 110\n");
    expect(readFileSync(notes, "utf8")).toBe("my set list\n");
    expect(readFileSync(asWav, "utf8")).toBe("not audio\n");
    // A .ph name is refused even when no such file exists yet.
    expect(phonon("render", file, join(dir, "new.ph"), "--seconds", "0.1").code).toBe(1);
    expect(existsSync(join(dir, "new.ph"))).toBe(false);
    // Rendering twice to the same WAV is fine.
    const wav = join(dir, "again.wav");
    expect(phonon("render", file, wav, "--seconds", "0.1").code).toBe(0);
    const r = phonon("render", file, wav, "--seconds", "0.2");
    expect(r.code, r.all).toBe(0);
    expect(readWav(wav).data[0]!.length).toBe(8820);
  });

  it("an output path that is a directory, cannot be written or fills up: exit 1 with a user error, not 2", () => {
    const file = program("paths.ph");
    const d = phonon("render", file, dir, "--seconds", "0.1");
    expect(d.code, d.all).toBe(1);
    expect(d.stderr).toMatch(/cannot write .*: it is a directory; give a file name, such as .*paths\.wav/);
    expect(d.stderr).not.toMatch(/internal error/);
    // Read-only: a chmod 444 file for a normal user; root writes through permissions, so a
    // path no one can create (in /sys) stands in for it.
    let out: string;
    if (isRoot) out = "/sys/phonon-test.wav";
    else {
      out = join(dir, "ro.wav");
      writeFileSync(out, "RIFF");
      chmodSync(out, 0o444);
    }
    const ro = phonon("render", file, out, "--seconds", "0.1");
    expect(ro.code, ro.all).toBe(1);
    expect(ro.stderr).toMatch(/cannot write .*(read-only|Permission denied|not writable)/);
    expect(ro.stderr).not.toMatch(/internal error/);
    // A disk that fills up while writing (/dev/full answers every write with ENOSPC).
    if (existsSync("/dev/full")) {
      const full = phonon("render", file, "/dev/full", "--seconds", "5");
      expect(full.code, full.all).toBe(1);
      expect(full.stderr).toMatch(/writing \/dev\/full: No space left on device/);
    }
    if (!isRoot) {
      const roDir = join(dir, "ro-dir");
      mkdirSync(roDir, { mode: 0o555 });
      const r = phonon("render", file, join(roDir, "x.wav"), "--seconds", "0.1");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is not writable/);
    }
  });
});

describe("live --record never destroys the program", () => {
  it("`live X.ph --record X.ph` is refused with exit 1 and X.ph unchanged; so are a .ph and a text file", () => {
    const file = program("rec.ph");
    const notes = join(dir, "rec-notes.txt");
    writeFileSync(notes, "keep me\n");
    for (const rec of [file, join(dir, "other-rec.ph"), notes, dir]) {
      const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), "live", file, "--sink", "null", "--no-tui", "--record", rec], { cwd: root, encoding: "utf8", timeout: 10000 });
      expect(r.status, `${rec}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/(refusing to (write|overwrite) --record .*|cannot write --record .*: it is a directory)/);
    }
    expect(readFileSync(file, "utf8")).toBe(PROGRAM);
    expect(readFileSync(notes, "utf8")).toBe("keep me\n");
  });
});

/** The header fields of a WAV as written (RIFF size, data size) and the file's length. */
function sizes(path: string): { riff: number; data: number; length: number; header: number } {
  const b = readFileSync(path);
  expect(b.toString("latin1", 0, 4)).toBe("RIFF");
  let off = 12;
  while (b.toString("latin1", off, off + 4) !== "data") off += 8 + b.readUInt32LE(off + 4);
  return { riff: b.readUInt32LE(4), data: b.readUInt32LE(off + 4), length: b.length, header: off + 8 };
}

/** Wait until `path` is at least `bytes` long. */
async function grows(path: string, bytes: number, proc: ChildProcess, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(path) && statSync(path).size >= bytes)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`${path} did not reach ${bytes} bytes`);
    await sleep(20);
  }
}

// About 40× realtime on one thread: long enough to interrupt mid-way, 10.6 MB a minute.
const HEAVY = "out: supersaw 55 # lpf 2000 0.5 # reverb 0.9 0.5 * 0.2 + supersaw 82.5 # reverb 0.8 0.5 * 0.2 + supersaw 110 # plate 0.9 * 0.1\n";

function startRender(out: string, seconds: number): { proc: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const file = program(`${out.split("/").pop()}.ph`, HEAVY);
  const proc = spawn(process.execPath, [join(root, "cli", "bin.cjs"), "render", file, out, "--seconds", String(seconds), "--threads", "1"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  proc.stdout!.resume();
  const exited = new Promise<number | null>((done) => proc.on("exit", (code) => done(code)));
  return { proc, exited, stderr: () => err };
}

describe("a WAV stays readable when the render or live is stopped", () => {
  it("SIGKILL mid-render: the header's sizes describe the audio on disk, to within the 4 MiB update interval, and it decodes", async () => {
    const out = join(dir, "killed.wav");
    const r = startRender(out, 600);
    await grows(out, 20 << 20, r.proc);
    r.proc.kill("SIGKILL");
    await r.exited;
    const s = sizes(out);
    const onDisk = s.length - s.header;
    expect(s.data).toBeGreaterThan(4 << 20);
    expect(s.data % 8).toBe(0);
    expect(s.riff).toBe(s.header - 8 + s.data);
    expect(onDisk).toBeGreaterThanOrEqual(s.data);
    // Written since the last update: less than 4 MiB and one 4096-frame write.
    expect(onDisk - s.data).toBeLessThan((4 << 20) + 4096 * 8);
    const wav = readWav(out);
    expect(wav.data[0]!.length).toBe(s.data / 8);
    for (const ch of wav.data) {
      expect(ch.every((x) => Number.isFinite(x) && Math.abs(x) <= 1)).toBe(true);
      expect(ch.some((x) => Math.abs(x) > 0.01)).toBe(true);
    }
  }, 60000);

  it("SIGINT (Ctrl-C) and SIGTERM mid-render: the render stops within a second, finishes the file exactly, and says so", async () => {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      const out = join(dir, `${signal}.wav`);
      const r = startRender(out, 600);
      await grows(out, 8 << 20, r.proc);
      const sent = Date.now();
      r.proc.kill(signal);
      expect(await r.exited).toBe(code);
      expect(Date.now() - sent).toBeLessThan(1500);
      expect(r.stderr()).toMatch(new RegExp(`interrupted \\(${signal}\\): .*${signal}\\.wav holds the first [\\d.]+ s of 600\\.0 s, as a complete WAV`));
      const s = sizes(out);
      expect(s.length).toBe(s.header + s.data);
      expect(s.riff).toBe(s.length - 8);
      expect(readWav(out).data[0]!.length).toBe(s.data / 8);
    }
  }, 60000);

  it("SIGKILL of `live --record`: the recording holds the audio up to about a second before", async () => {
    const file = program("live-kill.ph");
    const rec = join(dir, "live-kill.wav");
    const live = new LiveProc([file, "--sample-rate", "48000", "--record", rec]);
    await live.waitFor(/\[reload\] v1 /);
    await sleep(2600);
    live.proc.kill("SIGKILL");
    await live.exited;
    const s = sizes(rec);
    // Updated once a second: at least 1 s of the 2.6 s played.
    expect(s.data / 8 / 48000).toBeGreaterThanOrEqual(1);
    expect(s.length - s.header).toBeGreaterThanOrEqual(s.data);
    const x = readWav(rec).data[0]!;
    expect(x.length).toBe(s.data / 8);
    expect(x.some((v) => Math.abs(v) > 0.1)).toBe(true);
  }, 20000);
});

describe("long renders", () => {
  it("--seconds past 24 hours is refused before anything is written", () => {
    const file = program("long.ph");
    const out = join(dir, "long.wav");
    const r = phonon("render", file, out, "--seconds", "86401");
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toMatch(/--seconds 86401 is too long: a render is at most 86400 s \(24 hours\)/);
    expect(existsSync(out)).toBe(false);
    const c = phonon("render", file, out, "--cycles", "1000000");
    expect(c.code, c.all).toBe(1);
    expect(c.stderr).toMatch(/1000000 cycles at 0\.5 cps .* is too long/);
  });

  it("a render larger than the free disk space is refused before it starts, saying how to make it smaller", () => {
    // 24 hours at 384 kHz, stereo float: 265 GB.
    const needed = wavBytes(86400 * 384000, 2, 32);
    expect(needed).toBe(104 + 86400 * 384000 * 8);
    const free = freeBytes(dir);
    const file = program("disk.ph");
    const out = join(dir, "disk.wav");
    if (free !== undefined && free < needed) {
      const r = phonon("render", file, out, "--seconds", "86400", "--sample-rate", "384000");
      expect(r.code, r.all).toBe(1);
      expect(r.stderr).toMatch(/not enough disk space for .*disk\.wav: the render needs 265\.4 GB and .* has [\d.]+ [GM]B free; render fewer seconds, or use --bits 16 .* or --mono/);
      expect(existsSync(out)).toBe(false);
    }
    // The arithmetic, with a file system as small as we like: the replaced file's size counts.
    const fake = () => ({ bavail: 10, bsize: 4096, blocks: 100 });
    expect(freeBytes(dir, 0, fake)).toBe(40960);
    expect(freeBytes(dir, 1000, fake)).toBe(41960);
    expect(freeBytes(dir, 0, () => ({ bavail: 0, bsize: 4096, blocks: 0 }))).toBeUndefined();
    expect(statfsSync(dir).bsize).toBeGreaterThan(0);
  });
});

describe("--samples that cannot be used", () => {
  it("a missing folder and a file are each named in a warning", () => {
    const file = program("samples.ph", 'out: s "bd"\n');
    const notFolder = join(dir, "samples.txt");
    writeFileSync(notFolder, "x");
    const missing = join(dir, "no-such-folder");
    const r = phonon("render", file, join(dir, "samples.wav"), "--seconds", "0.5", "--samples", `${missing},${notFolder}`);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(`warning    --samples ${missing}: no such folder`);
    expect(r.stdout).toContain(`warning    --samples ${notFolder} is a file, not a folder of samples`);
    expect(sampleRootWarnings([], `${missing}:`)).toEqual([`PHONON_SAMPLES ${missing}: no such folder (${missing}); it is ignored`]);
    expect(sampleRootWarnings([dir], "")).toEqual([]);
  });
});
