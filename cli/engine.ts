//! The engine as TypeScript sees it: a typed wrapper over the napi addon built from engine-rs/node.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GraphIR } from "../language/compile/ir.js";
import type { SampleLoadSummary } from "./samples.js";

/** The repository root: the nearest folder above this file that holds engine-rs/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "engine-rs"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the phonon repository root (engine-rs/) above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const ADDON_PATH = (): string => join(repoRoot(), "engine-rs", "node", "phonon.node");

/** The native class exported by engine-rs/node (see its lib.rs). */
interface NativeEngine {
  load(ir: string): string;
  sampleId(name: string, index: number): number;
  sampleNames(): string[];
  loadSamples(roots: string[]): string;
  pushEvents(batch: Float64Array): number;
  openWav(path: string, bits?: number, mono?: boolean, gainDb?: number): void;
  render(frames: number): void;
  renderStart(frames: number): void;
  renderFinish(): void;
  renderBuffer(frames: number): Float32Array;
  closeWav(): void;
  frame(): number;
  stats(): string;
  kinds(): string[];
  setProfiling(on: boolean): void;
  setThreads(threads: number): void;
  profile(): string | null;
}
interface Addon {
  Engine: new (sampleRate: number, blockSize: number) => NativeEngine;
  simdLevel(want?: string): string;
  parseThreads(text: string): number;
  defaultThreads(): number;
}

let addon: Addon | undefined;
function native(): Addon {
  if (addon) return addon;
  const path = ADDON_PATH();
  if (!existsSync(path)) throw new Error(`the engine addon is not built (${path} is missing): run \`npm run setup\``);
  addon = createRequire(import.meta.url)(path) as Addon;
  // PHONON_SIMD=scalar|avx2|avx512|auto caps the engine's SIMD level (the scalar twin for
  // comparisons); read here, on the control thread, never by the engine.
  simdInUse = addon.simdLevel(process.env.PHONON_SIMD ?? "auto");
  return addon;
}

let simdInUse = "";

/**
 * The render thread count: `--threads` when given, else PHONON_THREADS, else the machine's
 * physical cores. Throws a clear message for 0, a non-number or more than 64. Control thread.
 */
export function threadCount(option?: string): number {
  const given = option ?? process.env.PHONON_THREADS;
  if (given === undefined || given === "") return native().defaultThreads();
  try {
    return native().parseThreads(given);
  } catch (e) {
    const from = option !== undefined ? "--threads" : "PHONON_THREADS";
    throw new Error(`${from}: ${(e as Error).message}`);
  }
}

/** The SIMD level the engine's block loops run at (after PHONON_SIMD). Control thread. */
export function simdLevel(): string {
  native();
  return simdInUse;
}

/** One row of PROFILE_DETAILED timings (engine-rs/core/src/profile.rs). */
export interface ProfileRow {
  id: number;
  kind: string;
  meanUs: number;
  maxUs: number;
}

/** PROFILE_DETAILED: per-node (slowest first) and per-stage render time. */
export interface ProfileReport {
  blocks: number;
  blockFrames: number;
  nodes: ProfileRow[];
  stages: ProfileRow[];
  events: ProfileRow;
  /** Nodes in each stage of the engine's (fused) plan. */
  stageNodes: number[];
  /** GraphIR nodes fusion removed (folded into a producer or spliced into a sum). */
  folded: number;
  /** Per stage: how the scheduler runs it (bins 1 = serial) and its measured parallel efficiency. */
  decisions: StageDecision[];
}

export interface StageDecision {
  stage: number;
  items: number;
  bins: number;
  costUs: number;
  efficiency: number | null;
  /** Serial because running it in parallel did not pay (it is tried again every ~3 s). */
  backingOff: boolean;
}

export interface LoadReport {
  nodes: number;
  stages: number;
  lanes: number;
  outputs: number;
}

/** Engine statistics since it started, as engine-rs/core/src/stats.rs serializes them. */
interface NativeStats {
  sampleRate: number;
  blockSize: number;
  cps: number;
  frames: number;
  blocks: number;
  peakLeft: number;
  peakRight: number;
  rmsLeft: number;
  rmsRight: number;
  blockUsP50: number;
  blockUsP99: number;
  blockUsMax: number;
  lateEvents: number;
  droppedEvents: number;
  ignoredEvents: number;
  pendingEvents: number;
  voices: number;
  voicesPeak: number;
  voiceSteals: number;
  /** Kernel blocks whose voices were rendered on several workers. */
  voiceSplits: number;
  limiterFrames: number;
  limiterMinGain: number;
  nonfinite: number;
  /** Nodes silenced because their kernel panicked, and the GraphIR id of the last (−1: none). */
  faults: number;
  faultNode: number;
  supersededEvents: number;
  /** Blocks that took longer to render than they last. */
  overBudgetBlocks: number;
  swaps: number;
  /** Swaps that kept the running plan and changed only its constants. */
  patches: number;
  crossfades: number;
  /** Time the render thread spent taking the last new program, and the longest, µs. */
  swapUsLast: number;
  swapUsMax: number;
  meterPeakLeft: number;
  meterPeakRight: number;
  meterRmsLeft: number;
  meterRmsRight: number;
}

type PerChannel = "peakLeft" | "peakRight" | "rmsLeft" | "rmsRight" | "meterPeakLeft" | "meterPeakRight" | "meterRmsLeft" | "meterRmsRight";

/** Engine statistics since it started, with per-channel figures as [left, right]. */
export interface EngineStats extends Omit<NativeStats, PerChannel> {
  peak: [number, number];
  rms: [number, number];
  /** Meter levels now: peak falling 20 dB per 1.5 s, RMS over 300 ms. */
  meterPeak: [number, number];
  meterRms: [number, number];
}

function engineStats(raw: NativeStats): EngineStats {
  const { peakLeft, peakRight, rmsLeft, rmsRight, meterPeakLeft, meterPeakRight, meterRmsLeft, meterRmsRight, ...rest } = raw;
  return {
    ...rest,
    peak: [peakLeft, peakRight],
    rms: [rmsLeft, rmsRight],
    meterPeak: [meterPeakLeft, meterPeakRight],
    meterRms: [meterRmsLeft, meterRmsRight],
  };
}

export class Engine {
  private readonly inner: NativeEngine;

  /** Control thread. Synthesizes the built-in kit at this rate. */
  constructor(
    readonly sampleRate = 44100,
    readonly blockSize = 512,
  ) {
    this.inner = new (native().Engine)(sampleRate, blockSize);
  }

  /** Control thread: validate the IR and build its plan. Throws with the engine's message. */
  load(ir: GraphIR): LoadReport {
    return JSON.parse(this.inner.load(JSON.stringify(ir))) as LoadReport;
  }
  sampleId(name: string, index: number): number | undefined {
    const id = this.inner.sampleId(name, index);
    return id < 0 ? undefined : id;
  }
  sampleNames(): string[] {
    return this.inner.sampleNames();
  }
  /** Loads Dirt-layout sample roots (highest priority first) into the bank; names found replace the kit's. */
  loadSamples(roots: string[]): SampleLoadSummary {
    return JSON.parse(this.inner.loadSamples(roots)) as SampleLoadSummary;
  }
  pushEvents(batch: Float64Array): number {
    return this.inner.pushEvents(batch);
  }
  /** bits 32 (float), 24 or 16 (TPDF-dithered PCM); mono writes (L+R)/2; gainDb scales the file. */
  openWav(path: string, bits = 32, mono = false, gainDb = 0): void {
    this.inner.openWav(path, bits, mono, gainDb);
  }
  /** Render `frames` frames into the open WAV (or nowhere). */
  render(frames: number): void {
    this.inner.render(frames);
  }
  /**
   * Start rendering `frames` frames into the open WAV (or nowhere) on the engine's own thread
   * and return at once; the next call to the engine waits for it. The frames are those
   * `render` gives.
   */
  renderStart(frames: number): void {
    this.inner.renderStart(frames);
  }
  /** Wait for the render `renderStart` began; throws if it failed. */
  renderFinish(): void {
    this.inner.renderFinish();
  }
  /** Render `frames` frames and return them interleaved (L R L R …). */
  renderBuffer(frames: number): Float32Array {
    return this.inner.renderBuffer(frames);
  }
  closeWav(): void {
    this.inner.closeWav();
  }
  stats(): EngineStats {
    return engineStats(JSON.parse(this.inner.stats()) as NativeStats);
  }
  kinds(): string[] {
    return this.inner.kinds();
  }
  /** Programs loaded from now on time every node (PROFILE_DETAILED). */
  setProfiling(on: boolean): void {
    this.inner.setProfiling(on);
  }
  /** Control thread: render with `threads` workers (1 = serial) from the next load on; the output is the same bit for bit. */
  setThreads(threads: number): void {
    this.inner.setThreads(threads);
  }
  profile(): ProfileReport | undefined {
    const p = this.inner.profile();
    return p ? (JSON.parse(p) as ProfileReport) : undefined;
  }
}

/** The native live class exported by engine-rs/node (see its live.rs). */
interface NativeLive {
  info(): string;
  load(ir: string, start: number, fresh: boolean): string;
  pushEvents(batch: Float64Array): number;
  rendered(): number;
  sampleId(name: string, index: number): number;
  takeSampleChanges(): string;
  sampleVersion(): number;
  hush(on: boolean): void;
  pause(on: boolean): void;
  stats(): string;
  topNodes(): string;
  stop(): string;
}

/** What changed under the sample roots while playing (see engine-rs/core/src/library.rs). */
export interface SampleChanges {
  added: [string, number][];
  changed: [string, number][];
  removed: string[];
  warnings: string[];
}
interface LiveAddon {
  LiveEngine: new (
    sink: string,
    device: string | null,
    periodFrames: number,
    sampleRate: number | null,
    periodsAhead: number,
    record: string | null,
    profile: boolean,
    samples: string[],
    threads: number | null,
  ) => NativeLive;
}

export interface LiveStartOptions {
  sink: "auto" | "device" | "null";
  device?: string;
  periodFrames: number;
  sampleRate?: number;
  periodsAhead?: number;
  record?: string;
  profile?: boolean;
  /** Sample roots, highest priority first, loaded before the render thread starts. */
  samples?: string[];
  /** Render workers (1 = serial); the physical cores when absent. */
  threads?: number;
}

export interface LiveInfo {
  sink: "device" | "null";
  device: string;
  sampleRate: number;
  periodFrames: number;
  blockFrames: number;
  channels: number;
  warning: string | null;
  /** Whether the render thread got real-time priority (SCHED_FIFO/RR). */
  realtime: boolean;
  /** The render thread's scheduling as granted: "SCHED_FIFO 70", or "normal". */
  priority: string;
  /** Why real-time priority was refused, if it was: shown once. */
  realtimeWarning: string | null;
  /** What was loaded from the sample roots. */
  samples: SampleLoadSummary;
  /** Render workers (1 = serial). */
  threads: number;
}

export interface LiveCounters {
  rendered: number;
  played: number;
  underruns: number;
  recordDropped: number;
  commandsDropped: number;
  /** Programs swapped in whose first block has been rendered. */
  swaps: number;
  /** The frame at which the newest program took over. */
  swapFrame: number;
  deviceError: boolean;
}

export interface LiveStats {
  render: EngineStats;
  live: LiveCounters;
  recordedFrames?: number | null;
  profile?: ProfileReport | null;
}

function liveStats(json: string): LiveStats {
  const raw = JSON.parse(json) as { render: NativeStats; live: LiveCounters; recordedFrames?: number | null; profile?: ProfileReport | null };
  return { ...raw, render: engineStats(raw.render) };
}

/** Live playback: a render thread in the engine feeding a device or a real-time-paced null sink. */
export class LiveEngine {
  private readonly inner: NativeLive;
  readonly info: LiveInfo;

  /** Control thread. Opens the sink and starts the render thread; throws with a clear message. */
  constructor(opts: LiveStartOptions) {
    const LiveClass = (native() as unknown as LiveAddon).LiveEngine;
    this.inner = new LiveClass(
      opts.sink,
      opts.device ?? null,
      opts.periodFrames,
      opts.sampleRate ?? null,
      opts.periodsAhead ?? 2,
      opts.record ?? null,
      opts.profile ?? false,
      opts.samples ?? [],
      opts.threads ?? null,
    );
    this.info = JSON.parse(this.inner.info()) as LiveInfo;
  }

  /** Control thread: build the program and send it; it plays from frame `start` (a block
   * boundary ahead of the render position), or from the next block if that has passed. With
   * `fresh` nothing carries over and the running program fades out (panic). */
  load(ir: GraphIR, start = 0, fresh = false): LoadReport {
    return JSON.parse(this.inner.load(JSON.stringify(ir), start, fresh)) as LoadReport;
  }
  pushEvents(batch: Float64Array): number {
    return this.inner.pushEvents(batch);
  }
  /** Frames rendered so far: events for earlier frames are too late. */
  rendered(): number {
    return this.inner.rendered();
  }
  sampleId(name: string, index: number): number | undefined {
    const id = this.inner.sampleId(name, index);
    return id < 0 ? undefined : id;
  }
  /** Files added, rewritten or removed under the sample roots since the previous call. */
  takeSampleChanges(): SampleChanges[] {
    return JSON.parse(this.inner.takeSampleChanges()) as SampleChanges[];
  }
  /** Grows each time the sample loader publishes a new bank. */
  sampleVersion(): number {
    return this.inner.sampleVersion();
  }
  hush(on: boolean): void {
    this.inner.hush(on);
  }
  pause(on: boolean): void {
    this.inner.pause(on);
  }
  stats(): LiveStats {
    return liveStats(this.inner.stats());
  }
  /** The slowest nodes now (PROFILE_DETAILED). */
  topNodes(): ProfileRow[] {
    return JSON.parse(this.inner.topNodes()) as ProfileRow[];
  }
  /** Stops every thread and finishes the recording. */
  stop(): LiveStats {
    return liveStats(this.inner.stop());
  }
}
