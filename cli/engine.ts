//! The engine as TypeScript sees it: a typed wrapper over the napi addon built from engine-rs/node.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GraphIR } from "../language/compile/ir.js";

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
  pushEvents(batch: Float64Array): number;
  openWav(path: string): void;
  render(frames: number): void;
  renderBuffer(frames: number): Float32Array;
  closeWav(): void;
  frame(): number;
  stats(): string;
  kinds(): string[];
}
interface Addon {
  Engine: new (sampleRate: number, blockSize: number) => NativeEngine;
}

let addon: Addon | undefined;
function native(): Addon {
  if (addon) return addon;
  const path = ADDON_PATH();
  if (!existsSync(path)) throw new Error(`the engine addon is not built (${path} is missing): run \`npm run setup\``);
  addon = createRequire(import.meta.url)(path) as Addon;
  return addon;
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
  limiterFrames: number;
  limiterMinGain: number;
  nonfinite: number;
}

/** Engine statistics since it started, with per-channel figures as [left, right]. */
export interface EngineStats extends Omit<NativeStats, "peakLeft" | "peakRight" | "rmsLeft" | "rmsRight"> {
  peak: [number, number];
  rms: [number, number];
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
  pushEvents(batch: Float64Array): number {
    return this.inner.pushEvents(batch);
  }
  openWav(path: string): void {
    this.inner.openWav(path);
  }
  /** Render `frames` frames into the open WAV (or nowhere). */
  render(frames: number): void {
    this.inner.render(frames);
  }
  /** Render `frames` frames and return them interleaved (L R L R …). */
  renderBuffer(frames: number): Float32Array {
    return this.inner.renderBuffer(frames);
  }
  closeWav(): void {
    this.inner.closeWav();
  }
  stats(): EngineStats {
    const { peakLeft, peakRight, rmsLeft, rmsRight, ...rest } = JSON.parse(this.inner.stats()) as NativeStats;
    return { ...rest, peak: [peakLeft, peakRight], rms: [rmsLeft, rmsRight] };
  }
  kinds(): string[] {
    return this.inner.kinds();
  }
}
