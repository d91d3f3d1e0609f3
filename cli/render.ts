//! `phonon render`: compile a .ph file, schedule it cycle by cycle into the engine, and write a stereo WAV.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { kernelReport } from "../language/catalogue.js";
import { compile } from "../language/compile/lower.js";
import { formatDiagnostic } from "../language/diagnostics.js";
import { Rational } from "../language/pattern/rational.js";
import { EventBatch } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";
import { Engine, type EngineStats, simdLevel, threadCount } from "./engine.js";
import { formatProfile } from "./profile.js";
import { type SampleLoadSummary, formatSampleSummary, sampleRoots } from "./samples.js";

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

export function renderFile(opts: RenderOptions): RenderReport {
  const sampleRate = opts.sampleRate ?? 44100;
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 384000) {
    throw new UserError(`--sample-rate must be a whole number of Hz between 8000 and 384000, not ${opts.sampleRate}`);
  }
  if (!existsSync(opts.file)) throw new UserError(`${opts.file}: no such file`);
  const text = readFileSync(opts.file, "utf8");
  const result = compile(text);
  for (const d of result.diagnostics) console.error(formatDiagnostic(d, result.map, opts.file));
  if (!result.ir) {
    const n = result.diagnostics.filter((d) => d.severity === "error").length;
    throw new UserError(`${opts.file}: ${n} error${n === 1 ? "" : "s"}; nothing rendered`);
  }
  const outDir = dirname(resolve(opts.out));
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) {
    throw new UserError(`cannot write ${opts.out}: the directory ${outDir} does not exist`);
  }

  const ir = result.ir;
  const frames =
    opts.seconds !== undefined
      ? Math.round(opts.seconds * sampleRate)
      : Math.round(((opts.cycles ?? DEFAULT_CYCLES) / ir.cps) * sampleRate);
  if (!(frames > 0)) throw new UserError("nothing to render: the duration must be greater than 0");

  const bits = opts.bits ?? 32;
  if (bits !== 32 && bits !== 24 && bits !== 16) throw new UserError(`--bits must be 32, 24 or 16, not ${opts.bits}`);
  const tail = opts.tail ?? 0;
  if (!(tail >= 0 && tail <= 3600)) throw new UserError(`--tail must be 0..3600 seconds, not ${opts.tail}`);
  const gainDb = opts.gainDb ?? 0;
  if (!(Math.abs(gainDb) <= 120)) throw new UserError(`--gain must be -120..120 dB, not ${opts.gainDb}`);
  const tailFrames = Math.round(tail * sampleRate);
  const started = performance.now();
  const engine = new Engine(sampleRate, opts.blockSize ?? 512);
  const missing = kernelReport(ir, engine.kinds());
  if (missing) throw new UserError(`${opts.file}: ${missing}`);
  if (opts.profile) engine.setProfiling(true);
  const threads = opts.threads ?? threadCountOrUserError();
  engine.setThreads(threads);
  const roots = sampleRoots(opts.samples);
  const samples = engine.loadSamples(roots);
  const plan = engine.load(ir);
  const warnings: string[] = [...samples.warnings];
  const scheduler = new Scheduler(ir, result.lanes, {
    sampleRate,
    sampleRoots: samples.roots.filter((r) => r.found).map((r) => r.root),
    resolveSample: (name, index) => engine.sampleId(name, index),
    warn: (m) => warnings.push(m),
  });
  engine.openWav(opts.out, bits, opts.mono ?? false, gainDb);
  const batch = new EventBatch();
  let events = 0;
  let done = 0;
  // Cycle by cycle: push the cycle's events, then render up to its end. The same loop drives `live`.
  let schedulingMs = 0;
  let schedulingMaxMs = 0;
  let lastProgress = 0;
  for (let cycle = 0; done < frames; cycle++) {
    batch.clear();
    const t0 = performance.now();
    events += scheduler.schedule(cycle, batch);
    const dt = performance.now() - t0;
    schedulingMs += dt;
    schedulingMaxMs = Math.max(schedulingMaxMs, dt);
    if (batch.count) engine.pushEvents(batch.view());
    const end = Math.min(frames, scheduler.frameAt(Rational.of(cycle + 1)));
    if (end > done) {
      engine.render(end - done);
      done = end;
    }
    // A bar only for renders that take more than a second.
    if (opts.progress && performance.now() - started > 1000 && performance.now() - lastProgress > 100) {
      lastProgress = performance.now();
      opts.progress(done / frames);
    }
  }
  // The tail: no new cycles are scheduled, sounds already started ring out.
  if (tailFrames > 0) engine.render(tailFrames);
  engine.closeWav();
  const stats = engine.stats();
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
