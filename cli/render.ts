//! `phonon render`: compile a .ph file, schedule it a cycle's frames at a time into the engine (the playhead's loop, as `live`), and write a stereo WAV.
import {
  type Stats,
  accessSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  statfsSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { compile } from "../language/compile/lower.js";
import { formatDiagnostic } from "../language/diagnostics.js";
import { Rational } from "../language/pattern/rational.js";
import { EventBatch } from "../language/schedule/events.js";
import { Playhead } from "../language/schedule/playhead.js";
import { Scheduler } from "../language/schedule/scheduler.js";
import { Engine, type EngineStats, simdLevel, threadCount } from "./engine.js";
import { faultMessage } from "./fault.js";
import { formatProfile } from "./profile.js";
import { type SampleLoadSummary, formatSampleSummary, sampleRootWarnings, sampleRoots } from "./samples.js";

export interface RenderOptions {
  file: string;
  out: string;
  cycles?: number;
  seconds?: number;
  sampleRate?: number;
  blockSize?: number;
  /** Time every node (PROFILE_DETAILED). */
  profile?: boolean;
  /** Render workers (1 = serial); default: `threadCount()` (PHONON_THREADS or the physical cores). */
  threads?: number;
  /** Output bit depth: 32 (float, default), 24 or 16 (PCM with TPDF dither). */
  bits?: number;
  /** Write one channel, (L+R)/2. */
  mono?: boolean;
  /** Seconds rendered after the last cycle with no new events (reverb and delay tails). */
  tail?: number;
  /** Gain in dB applied to the file (after the master limiter). */
  gainDb?: number;
  /** `--samples` values (each may be a comma list); PHONON_SAMPLES, ./samples and ~/dirt-samples follow. */
  samples?: string[];
  /** Called as the render advances, with the fraction done. */
  progress?: (fraction: number) => void;
}

export interface RenderReport {
  file: string;
  out: string;
  sampleRate: number;
  frames: number;
  seconds: number;
  /** Channels, bit depth, gain and tail as written. */
  format: string;
  cycles: number;
  cps: number;
  events: number;
  nodes: number;
  stages: number;
  wallSeconds: number;
  /** The SIMD level the engine's block loops ran at (PHONON_SIMD caps it). */
  simd: string;
  /** Render workers. */
  threads: number;
  realtime: number;
  warnings: string[];
  /** What was loaded from the sample roots. */
  samples: SampleLoadSummary;
  stats: EngineStats;
  /** With `profile`: the table to print. */
  profileTable?: string;
}

/** A user-facing failure: printed as is, exit code 1, no stack trace. */
export class UserError extends Error {}

const DEFAULT_CYCLES = 4;

/** The longest render: 24 hours (a 24-hour stereo float file at 48 kHz is 33 GB). */
export const MAX_RENDER_SECONDS = 24 * 3600;
/** Frames per `engine.render` call at most: a multiple of the addon's 4096-frame chunk, so the
 * chunks the engine renders (and so the bytes) are the same as in one call. */
const RENDER_PIECE = 16 * 4096;
/** Cycles are scheduled into one batch until it reaches this many frames past the rendered ones
 * (at 16 cps a cycle is 2,756 frames; at 44.1 kHz this is 0.74 s)... */
const BATCH_FRAMES = 32768;
/** ...or this many events: well inside the engine's queue (65,536, with the gate-offs it adds). */
const BATCH_EVENTS = 16384;
/** How long the render loop runs before it lets the event loop in (signals, the progress bar). */
const STEP_MS = 50;

const mb = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);

/**
 * Refuses an output path that would destroy a user's file: the input itself (by device and
 * inode, so also through a symlink or a hard link), any `.ph` file, an existing file that is not
 * a WAV (it does not start with RIFF or RF64: a text file, a program under another name), a
 * directory; and says so when the path cannot be written. An older WAV may be overwritten.
 * `what` names the option in messages ("the output", "--record").
 */
export function checkOutputPath(out: string, input: string, what: string): void {
  const abs = resolve(out);
  const label = what === "the output" ? out : `${what} ${out}`;
  const stat = (p: string): Stats | undefined => {
    try {
      return statSync(p);
    } catch {
      return undefined;
    }
  };
  const st = stat(abs);
  const source = stat(resolve(input));
  if (st && source && st.dev === source.dev && st.ino === source.ino) {
    const via = lstatSync(abs).isSymbolicLink() ? ` (${out} is a link to it)` : resolve(input) !== abs ? ` (${out} is another name for it)` : "";
    throw new UserError(`refusing to write ${label}: it is the input file ${input}${via}; the program would be overwritten with audio`);
  }
  if (/\.ph$/i.test(out)) throw new UserError(`refusing to write ${label}: it is a .ph file (a program, not audio); give a name ending in .wav`);
  const dir = dirname(abs);
  if (!stat(dir)?.isDirectory()) throw new UserError(`cannot write ${label}: the directory ${dir} does not exist`);
  if (!st) {
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UserError(`cannot write ${label}: the directory ${dir} is not writable`);
    }
    return;
  }
  if (st.isDirectory()) throw new UserError(`cannot write ${label}: it is a directory; give a file name, such as ${join(out, basename(input).replace(/\.ph$/i, "") + ".wav")}`);
  if (st.isFile() && st.size > 0) {
    const head = Buffer.alloc(4);
    let n = 0;
    try {
      const fd = openSync(abs, "r");
      try {
        n = readSync(fd, head, 0, 4, 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      // Unreadable: the access check below says why it cannot be written either, or it can.
    }
    const magic = head.toString("latin1", 0, n);
    if (n > 0 && magic !== "RIFF" && magic !== "RF64") {
      throw new UserError(`refusing to overwrite ${label}: it exists and is not a WAV file; choose another name, or delete it first if it is meant to go`);
    }
  }
  try {
    accessSync(abs, constants.W_OK);
  } catch {
    throw new UserError(`cannot write ${label}: it is read-only`);
  }
}

/** Free bytes for a new file in `dir` (an overwritten file's own size counts as free). */
export function freeBytes(dir: string, replacing = 0, statfs: (dir: string) => { bavail: number; bsize: number; blocks: number } = statfsSync): number | undefined {
  try {
    const s = statfs(dir);
    // No blocks at all: a virtual file system (/proc, some FUSE mounts) that reports nothing.
    if (s.blocks === 0) return undefined;
    return s.bavail * s.bsize + replacing;
  } catch {
    return undefined;
  }
}

/** The size of the WAV a render writes (header, audio, pad byte). */
export function wavBytes(frames: number, channels: number, bits: number): number {
  const data = frames * channels * (bits / 8);
  return (bits > 16 ? 104 : 80) + data + (data % 2);
}

/** What `renderSteps` has done so far (for a report after an interruption). */
export interface RenderProgress {
  out: string;
  sampleRate: number;
  /** Frames written to the file. */
  done: number;
  /** Frames the render will write in all. */
  frames: number;
}

/** Renders `opts` to its WAV. Synchronous; `renderFileInterruptible` is the CLI's version. */
export function renderFile(opts: RenderOptions): RenderReport {
  const steps = renderSteps(opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** A render stopped by a signal: the file holds the frames done so far, with valid sizes. */
export interface Interrupted {
  signal: NodeJS.Signals;
  progress: RenderProgress;
}

/**
 * `renderFile` for the CLI: lets the event loop run every STEP_MS, and on SIGINT or SIGTERM stops
 * at the next step, finishes the WAV (its header then says exactly what was written) and returns
 * what was done. Without this a signal would kill the process mid-file (the header's sizes are
 * then those of the last periodic update, engine-rs/core/src/io/wav.rs).
 */
export async function renderFileInterruptible(opts: RenderOptions, signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): Promise<RenderReport | Interrupted> {
  let caught: NodeJS.Signals | undefined;
  const on = (sig: NodeJS.Signals): void => {
    caught ??= sig;
  };
  for (const sig of signals) process.on(sig, on);
  const progress: RenderProgress = { out: opts.out, sampleRate: 0, done: 0, frames: 0 };
  const steps = renderSteps(opts, progress);
  try {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      // One turn of the event loop (its poll phase delivers signals).
      await new Promise<void>((done) => setImmediate(done));
      if (caught) {
        steps.return(undefined as never);
        return { signal: caught, progress };
      }
    }
  } finally {
    for (const sig of signals) process.off(sig, on);
  }
}

/**
 * The render, as steps: yields every STEP_MS of work so that a caller can let the event loop
 * run; returns the report. Returning early (`.return()`) or an error finishes the WAV, so the
 * file is complete up to the last frame written, on every exit path.
 */
function* renderSteps(opts: RenderOptions, progress?: RenderProgress): Generator<void, RenderReport, void> {
  const sampleRate = opts.sampleRate ?? 44100;
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 384000) {
    throw new UserError(`--sample-rate must be a whole number of Hz between 8000 and 384000, not ${opts.sampleRate}`);
  }
  if (!existsSync(opts.file)) throw new UserError(`${opts.file}: no such file`);
  if (statSync(opts.file).isDirectory()) throw new UserError(`${opts.file} is a directory, not a .ph file`);
  checkOutputPath(opts.out, opts.file, "the output");
  const text = readFileSync(opts.file, "utf8");
  const result = compile(text);
  for (const d of result.diagnostics) console.error(formatDiagnostic(d, result.map, opts.file));
  if (!result.ir) {
    const n = result.diagnostics.filter((d) => d.severity === "error").length;
    throw new UserError(`${opts.file}: ${n} error${n === 1 ? "" : "s"}; nothing rendered`);
  }
  const outDir = dirname(resolve(opts.out));

  const ir = result.ir;
  const frames =
    opts.seconds !== undefined
      ? Math.round(opts.seconds * sampleRate)
      : Math.round(((opts.cycles ?? DEFAULT_CYCLES) / ir.cps) * sampleRate);
  if (!(frames > 0)) throw new UserError("nothing to render: the duration must be greater than 0");
  if (frames / sampleRate > MAX_RENDER_SECONDS) {
    const asked = opts.seconds !== undefined ? `--seconds ${opts.seconds}` : `${opts.cycles ?? DEFAULT_CYCLES} cycles at ${ir.cps} cps (${+(frames / sampleRate).toFixed(1)} s)`;
    throw new UserError(`${asked} is too long: a render is at most ${MAX_RENDER_SECONDS} s (24 hours); render it in parts`);
  }

  const bits = opts.bits ?? 32;
  if (bits !== 32 && bits !== 24 && bits !== 16) throw new UserError(`--bits must be 32, 24 or 16, not ${opts.bits}`);
  const tail = opts.tail ?? 0;
  if (!(tail >= 0 && tail <= 3600)) throw new UserError(`--tail must be 0..3600 seconds, not ${opts.tail}`);
  const gainDb = opts.gainDb ?? 0;
  if (!(Math.abs(gainDb) <= 120)) throw new UserError(`--gain must be -120..120 dB, not ${opts.gainDb}`);
  const tailFrames = Math.round(tail * sampleRate);
  const channels = opts.mono ? 1 : 2;
  const needed = wavBytes(frames + tailFrames, channels, bits);
  const replacing = existsSync(opts.out) ? statSync(opts.out).size : 0;
  const free = freeBytes(outDir, replacing);
  if (free !== undefined && needed > free) {
    const smaller = [bits !== 16 ? "--bits 16 (half the size of float)" : "", channels === 2 ? "--mono (half again)" : ""].filter(Boolean).join(" or ");
    throw new UserError(`not enough disk space for ${opts.out}: the render needs ${mb(needed)} and ${outDir} has ${mb(free)} free; render fewer seconds${smaller ? `, or use ${smaller}` : ""}`);
  }
  const started = performance.now();
  const blockSize = opts.blockSize ?? 512;
  const engine = new Engine(sampleRate, blockSize);
  if (opts.profile) engine.setProfiling(true);
  const threads = opts.threads ?? threadCountOrUserError();
  engine.setThreads(threads);
  // The program first: building it overlaps the engine's synthesis of its built-in kit, which
  // loading the sample folders waits for.
  const plan = engine.load(ir);
  const roots = sampleRoots(opts.samples);
  const samples = engine.loadSamples(roots);
  const warnings: string[] = [...sampleRootWarnings(opts.samples), ...samples.warnings];
  const scheduler = new Scheduler(ir, result.lanes, {
    sampleRate,
    sampleRoots: samples.roots.filter((r) => r.found).map((r) => r.root),
    resolveSample: (name, index) => engine.sampleId(name, index),
    warn: (m) => warnings.push(m),
  });
  try {
    engine.openWav(opts.out, bits, opts.mono ?? false, gainDb);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const state: RenderProgress = progress ?? { out: opts.out, sampleRate, done: 0, frames: 0 };
  Object.assign(state, { sampleRate, done: 0, frames: frames + tailFrames });
  const batch = new EventBatch();
  let events = 0;
  let done = 0;
  // Cycle by cycle (a few at once when they are short): push the events up to the cycle's end,
  // then render up to it. The playhead's loop is the one that feeds `live` its windows.
  const playhead = new Playhead(scheduler);
  let schedulingMs = 0;
  let schedulingMaxMs = 0;
  let lastProgress = 0;
  let lastStep = performance.now();
  let completed = false;
  // Renders run on the engine's own thread (renderStart) while this one schedules the next
  // cycles; every engine call first waits for the render in flight, so the engine sees the
  // same calls in the same order as one after another, and the bytes are the same.
  let rendering = false;
  /** Waits for the render in flight, if any. */
  function finish(): void {
    if (!rendering) return;
    rendering = false;
    try {
      engine.renderFinish();
    } catch (e) {
      const message = (e as Error).message;
      // The file could not be written (disk full, device gone): the user's problem, not a bug.
      if (/^writing /.test(message)) throw new UserError(message);
      throw e;
    }
  }
  /**
   * Render n frames in pieces, each started when the one before it is done, letting the caller
   * in between when a step's time is up; the last piece is still rendering on return.
   */
  function* render(n: number): Generator<void, void, void> {
    while (n > 0) {
      const piece = Math.min(n, Math.max(blockSize, RENDER_PIECE - (RENDER_PIECE % blockSize)));
      finish();
      engine.renderStart(piece);
      rendering = true;
      n -= piece;
      state.done += piece;
      if (performance.now() - lastStep >= STEP_MS) {
        yield;
        lastStep = performance.now();
      }
    }
  }
  try {
    for (let cycle = 0; done < frames; cycle++) {
      const t0 = performance.now();
      const next = scheduler.frameAt(Rational.of(cycle + 1));
      // The cycle that reaches the end is the last one scheduled (the tail only lets sounds ring out).
      if (next >= frames) playhead.last = cycle;
      // The window ends just after the next cycle's first frame: an onset of this cycle rounded
      // onto that frame is pushed with this cycle, and the next cycle's onsets there after it.
      events += playhead.fill(next + 1, batch);
      const dt = performance.now() - t0;
      schedulingMs += dt;
      schedulingMaxMs = Math.max(schedulingMaxMs, dt);
      // Short cycles (high tempo) are pushed and rendered several at a time: each push and
      // render call crosses into the engine and hands off to its workers.
      if (next < frames && next - done < BATCH_FRAMES && batch.count < BATCH_EVENTS) continue;
      finish();
      if (batch.count) engine.pushEvents(batch.view());
      batch.clear();
      // Whole blocks only, as `live` renders: the frames of a part-block up to the cycle's end
      // wait for the next cycle's events (pushed before them) and are rendered with them. A
      // cycle that is not a whole number of blocks (16 cps is 2756.25 frames) would otherwise
      // cost a short block each, and the output would depend on where the cycles end.
      const end = next >= frames ? frames : done + Math.floor((next - done) / blockSize) * blockSize;
      if (end > done) {
        yield* render(end - done);
        done = end;
      }
      // A bar only for renders that take more than a second.
      if (opts.progress && performance.now() - started > 1000 && performance.now() - lastProgress > 100) {
        lastProgress = performance.now();
        opts.progress(done / frames);
      }
      if (performance.now() - lastStep >= STEP_MS) {
        yield;
        lastStep = performance.now();
      }
    }
    // The tail: no new cycles are scheduled, sounds already started ring out.
    if (tailFrames > 0) yield* render(tailFrames);
    completed = true;
  } finally {
    // On every way out (the end, an error, an interruption) the render in flight ends and the
    // WAV gets its final header. After the end, a failed last render is the error to report.
    let failed: unknown;
    try {
      finish();
    } catch (e) {
      failed = e;
    }
    try {
      engine.closeWav();
    } catch (e) {
      // After an error that error is the one to report; at the end this one is.
      if (completed) failed ??= new UserError((e as Error).message);
    }
    if (completed && failed !== undefined) throw failed;
  }
  const stats = engine.stats();
  if (stats.faults > 0) warnings.push(faultMessage(stats.faults, stats.faultNode, ir, opts.file));
  const profile = opts.profile ? engine.profile() : undefined;
  // Scheduling runs once per cycle; spread over the cycle's blocks it is a per-block cost.
  const blocks = Math.max(1, stats.blocks);
  const profileTable = profile
    ? formatProfile(profile, ir, stats, sampleRate, { mean: (schedulingMs * 1000) / blocks, max: schedulingMaxMs * 1000 })
    : undefined;
  const wallSeconds = (performance.now() - started) / 1000;
  const seconds = (frames + tailFrames) / sampleRate;
  return {
    file: opts.file,
    out: opts.out,
    sampleRate,
    frames: frames + tailFrames,
    seconds,
    format: `${opts.mono ? "mono" : "stereo"} ${bits === 32 ? "32-bit float" : `${bits}-bit PCM (TPDF dither)`}${gainDb ? `, gain ${gainDb > 0 ? "+" : ""}${gainDb} dB` : ""}${tail ? `, tail ${tail} s` : ""}`,
    cycles: seconds * ir.cps,
    cps: ir.cps,
    events,
    nodes: plan.nodes,
    stages: plan.stages,
    wallSeconds,
    simd: simdLevel(),
    threads,
    realtime: seconds / wallSeconds,
    warnings,
    samples,
    stats,
    ...(profileTable ? { profileTable } : {}),
  };
}

/** `threadCount()` with its error as a UserError (PHONON_THREADS set wrong). */
export function threadCountOrUserError(option?: string): number {
  try {
    return threadCount(option);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

const dB = (x: number): string => (x > 0 ? `${(20 * Math.log10(x)).toFixed(1)} dBFS` : "-inf dBFS");

/** The report printed after a render. */
export function formatReport(r: RenderReport): string {
  const s = r.stats;
  const lines = [
    `rendered ${r.file} → ${r.out}`,
    `  duration   ${r.seconds.toFixed(3)} s (${+r.cycles.toFixed(3)} cycles at ${r.cps} cps), ${r.sampleRate} Hz, ${r.format}`,
    `  peak       L ${dB(s.peak[0])}  R ${dB(s.peak[1])}`,
    `  rms        L ${dB(s.rms[0])} (${s.rms[0].toFixed(4)})  R ${dB(s.rms[1])} (${s.rms[1].toFixed(4)})`,
    `  samples    ${formatSampleSummary(r.samples)}`,
    `  graph      ${r.nodes} nodes in ${r.stages} stages; ${r.events} events; voices peak ${s.voicesPeak}${s.voiceSteals > 0 ? `, ${s.voiceSteals} stolen at a voice limit (\`# voices N\` raises it)` : ""}`,
    `  speed      ${r.wallSeconds.toFixed(3)} s wall, ${r.realtime.toFixed(1)}× realtime; block p50 ${s.blockUsP50.toFixed(0)} µs, p99 ${s.blockUsP99.toFixed(0)} µs, max ${s.blockUsMax.toFixed(0)} µs (budget ${((512 / r.sampleRate) * 1e6).toFixed(0)} µs); simd ${r.simd}; ${r.threads} thread${r.threads === 1 ? "" : "s"}`,
  ];
  if (s.limiterFrames > 0) {
    lines.push(`  limiter    acted on ${s.limiterFrames} frames (down to ${dB(s.limiterMinGain).replace("FS", "")})`);
  }
  if (s.nonfinite > 0) lines.push(`  warning    ${s.nonfinite} NaN/Inf samples were flushed to 0`);
  if (s.lateEvents + s.droppedEvents > 0) lines.push(`  warning    ${s.lateEvents} late and ${s.droppedEvents} dropped events`);
  for (const w of r.warnings) lines.push(`  warning    ${w}`);
  if (r.profileTable) lines.push("", r.profileTable);
  return lines.join("\n");
}
