//! The pattern thread of `phonon live` (a node:worker_threads worker): compiles a save and, once its program plays, queries its patterns and sends event batches in frame windows; `cli/live.ts` explains the design.
//!
//! One thread holds one program: it compiles the text (the incremental parse of its earlier saves
//! stays here), builds the Scheduler, queries the first cycle(s) and converts the first window
//! before it answers, so a slow compile or a slow first query costs this thread's time and never
//! the beat. Then the main thread asks it for windows (`fill`); each answer is a Float64Array of
//! records whose buffer is transferred (not cloned). Sample ids come from the engine on the main
//! thread through a synchronous request (Atomics.wait on a shared word: the main thread answers
//! at once, and each name is asked once per thread). Where allowed, the thread raises its own
//! priority while it holds a program that may play (`niceThread`).
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { GraphIR } from "../language/compile/ir.js";
import { Compiler } from "../language/compile/lower.js";
import { formatDiagnostic } from "../language/diagnostics.js";
import { Clock, type ClockData, type LiveControl, continueClock } from "../language/schedule/clock.js";
import { EventBatch } from "../language/schedule/events.js";
import { Playhead } from "../language/schedule/playhead.js";
import { Scheduler } from "../language/schedule/scheduler.js";

export interface WorkerSetup {
  /** The file's name as the user gave it (in diagnostics). */
  file: string;
  sampleRate: number;
  blockFrames: number;
  sampleRoots: string[];
  /** WORDS Int32 words shared with the main thread (see WORD). */
  shared: SharedArrayBuffer;
}

/** The shared words: what the thread is doing (read when a compile is abandoned) and the sample-id reply. */
export const WORD = {
  /** 0 idle, 1 compiling, 2 querying the first windows of a new program. */
  phase: 0,
  /** Compiling: the source offset of the expression being evaluated. */
  offset: 1,
  /** Querying: the line and column of the pattern being queried. */
  line: 2,
  col: 3,
  /** 0 while a sample-id request waits, 1 when answered. */
  sampleDone: 4,
  /** The answer: a sample id, or −1 for none. */
  sampleId: 5,
  /** The sample bank's version (the main thread raises it when samples change on disk). */
  bankVersion: 6,
} as const;
export const WORDS = 7;

/** What a pattern thread was doing (read from the shared words). */
export interface Progress {
  phase: number;
  offset: number;
  line: number;
  col: number;
}

/** What a new program starts from: the running program's clock and live commands, and where the render position was when the save was sent. */
export interface Base {
  prev?: { clock: ClockData; control: LiveControl };
  /** The engine's render position when the compile was asked for … */
  rendered: number;
  /** … and the wall time then (performance.timeOrigin + performance.now(), ms). */
  wall: number;
  /** Frames from the answer to the swap: the main thread's load time and one block. */
  leadFrames: number;
  /** Frames of events to send with the answer (a window) … */
  firstFrames: number;
  /** … and of cycles to query before it (the lookahead and a window). */
  prefetchFrames: number;
  /** The most events to send with the answer (room in the engine's queue) … */
  maxEvents: number;
  /** … unless nothing is in flight (then the window is sent whatever its size). */
  force: boolean;
}

export type ToWorker =
  | { type: "compile"; job: number; text: string; base: Base }
  | { type: "start"; job: number; at: number; firstFrames: number; prefetchFrames: number; maxEvents: number; force: boolean }
  /** Events of [scheduledTo, upTo), and the cycles up to prefetchTo queried ahead. */
  | { type: "fill"; job: number; upTo: number; prefetchTo: number; maxEvents: number; force: boolean }
  | { type: "drop" }
  /**
   * Get ready for the next save of this text: `full` compiles it and forgets the result (a fresh
   * thread warms its JIT), else it is only parsed (the thread's incremental parse catches up with
   * the save the other thread compiled).
   */
  | { type: "warm"; text: string; full: boolean };

/** Events of a window and what it cost. */
export interface Window {
  job: number;
  batch: Float64Array;
  count: number;
  /** The window was [from, scheduledTo). */
  from: number;
  scheduledTo: number;
  /** Milliseconds spent querying cycles not cached (prefetch included). */
  queryMs: number;
  /** Milliseconds the thread spent on this request. */
  busyMs: number;
}

export type FromWorker =
  | { type: "ready" }
  | { type: "warn"; message: string }
  | { type: "sample"; name: string; index: number }
  | { type: "failed"; job: number; errors: string; warnings: string[]; compileMs: number }
  | ({
      type: "compiled";
      ir: GraphIR;
      warnings: string[];
      /** The frame the program should start at (predicted; the main thread may move it). */
      at: number;
      clock: ClockData;
      /** The clock does not depend on `at` (same tempo, no new live command): the batch holds for any later start. */
      clockFixed: boolean;
      compileMs: number;
    } & Window)
  | ({ type: "started"; clock: ClockData } & Window)
  | ({ type: "batch" } & Window);

interface Playing {
  job: number;
  ir: GraphIR;
  playhead: Playhead;
  prev: Base["prev"];
}

const now = (): number => performance.timeOrigin + performance.now();
/** Compiles and schedules of the playing text that warm a fresh thread up. */
const WARM_ROUNDS = 4;

/**
 * Thread priorities (nice values) where the process may raise them again (root, or an
 * RLIMIT_NICE that allows it; otherwise every thread keeps its own): the thread that feeds the
 * playing program runs above ordinary work and above a compile, so on a busy machine a long
 * compile takes its CPU time from nobody the beat needs (the render threads are real-time
 * already). The main thread, which hands the windows to the engine, runs at PLAYING_NICE too. A
 * compile stays at the ordinary level: lower would lengthen edit-to-sound on a busy machine and
 * protect nothing more.
 */
export const PLAYING_NICE = -5;
export const COMPILING_NICE = 0;

/** Set the calling thread's nice value, if the process may also set it back; false when it may not. */
export function niceThread(value: number): boolean {
  let tid: number;
  try {
    tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return false;
  }
  if (!Number.isInteger(tid)) return false;
  try {
    const before = getPriority(tid);
    // Lowering a nice value is the privileged direction: if that works, every change can be undone.
    setPriority(tid, Math.min(before, PLAYING_NICE));
    setPriority(tid, value);
    return true;
  } catch {
    return false;
  }
}

function main(): void {
  const port = parentPort!;
  const setup = workerData as WorkerSetup;
  const words = new Int32Array(setup.shared);
  const sr = setup.sampleRate;
  const block = setup.blockFrames;
  const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const compiler = new Compiler();
  compiler.progress = (offset) => {
    words[WORD.offset] = offset;
  };
  /** Sample ids by `name:index`, for the bank of version `bankVersion` (see `fill`). */
  const ids = new Map<string, number | undefined>();
  let bankVersion = 0;
  const resolveSample = (name: string, index: number): number | undefined => {
    const key = `${name}:${index}`;
    if (ids.has(key)) return ids.get(key);
    Atomics.store(words, WORD.sampleDone, 0);
    post({ type: "sample", name, index });
    if (Atomics.wait(words, WORD.sampleDone, 0, 5000) === "timed-out") return undefined;
    const id = Atomics.load(words, WORD.sampleId);
    const v = id < 0 ? undefined : id;
    ids.set(key, v);
    return v;
  };
  const batch = new EventBatch();
  let program: Playing | undefined;
  /** A standby thread compiles at COMPILING_NICE; once it holds a program it may play, at PLAYING_NICE. */
  let niced = niceThread(COMPILING_NICE);
  const role = (playing: boolean): void => {
    if (niced) niced = niceThread(playing ? PLAYING_NICE : COMPILING_NICE);
  };

  /** Events of [scheduledTo, upTo), fewer if more than maxEvents (unless `force`); then the cycles up to prefetchTo are queried ahead. */
  const fill = (p: Playing, upTo: number, prefetchTo: number, maxEvents: number, force: boolean, started: number): Window => {
    const version = Atomics.load(words, WORD.bankVersion);
    if (version !== bankVersion) {
      // Samples changed on disk: names are looked up again (a new one sounds, a gone one is warned about).
      bankVersion = version;
      ids.clear();
      p.playhead.scheduler.forgetSamples();
    }
    const { playhead } = p;
    const q0 = playhead.scheduler.queryMs;
    batch.clear();
    const from = playhead.scheduledTo;
    playhead.fill(upTo, batch, maxEvents, force, block);
    // Prefetch: every cycle the lookahead reaches is queried now, even when the queue is full.
    playhead.prefetch(prefetchTo);
    const out = batch.view().slice();
    return { job: p.job, batch: out, count: batch.count, from, scheduledTo: playhead.scheduledTo, queryMs: playhead.scheduler.queryMs - q0, busyMs: now() - started };
  };

  const compile = (job: number, text: string, base: Base): void => {
    const t0 = now();
    program = undefined;
    role(false);
    words[WORD.phase] = 1;
    words[WORD.offset] = 0;
    let result;
    try {
      result = compiler.compile(text);
    } catch (e) {
      words[WORD.phase] = 0;
      post({ type: "failed", job, errors: `${setup.file}: internal compiler error: ${e instanceof Error ? e.message : String(e)}`, warnings: [], compileMs: now() - t0 });
      return;
    }
    const compileMs = now() - t0;
    const map = result.map;
    if (!result.ir) {
      words[WORD.phase] = 0;
      post({ type: "failed", job, errors: result.diagnostics.map((d) => formatDiagnostic(d, map, setup.file)).join("\n"), warnings: [], compileMs });
      return;
    }
    const ir = result.ir;
    const warnings = result.diagnostics.map((d) => formatDiagnostic(d, map, setup.file));
    words[WORD.line] = 0;
    words[WORD.phase] = 2;
    const scheduler = new Scheduler(ir, result.lanes, {
      sampleRate: sr,
      resolveSample,
      sampleRoots: setup.sampleRoots,
      warn: (message) => post({ type: "warn", message }),
      progress: (lane) => {
        const loc = ir.lanes[lane]?.loc;
        words[WORD.line] = loc?.line ?? 0;
        words[WORD.col] = loc?.col ?? 0;
      },
    });
    const prev = base.prev ? { clock: Clock.fromData(base.prev.clock), control: base.prev.control } : undefined;
    // The start: where the render position will be when the main thread has the answer and has
    // loaded the program, rounded up to a block.
    // A program whose clock depends on its start (the first one, a new tempo, a new live
    // command) gets a block more: if that start has passed when the answer comes, the window is
    // converted again (with the same clock, the main thread just starts it a block later).
    const fixedAt = (at: number): boolean => prev !== undefined && continueClock(prev, ir.cps, ir.control ?? {}, at, sr).equals(prev.clock);
    const predict = (): number => {
      const elapsed = Math.max(0, ((now() - base.wall) / 1000) * sr);
      const soon = base.rendered + elapsed + base.leadFrames;
      const at = Math.max(base.rendered + block, Math.ceil(soon / block) * block);
      return fixedAt(at) ? at : at + block;
    };
    const p: Playing = { job, ir, playhead: new Playhead(scheduler), prev: base.prev };
    let clock: Clock | undefined;
    const startAt = (at: number): void => {
      const c = continueClock(prev, ir.cps, ir.control ?? {}, at, sr);
      if (!clock || !c.equals(clock)) scheduler.setClock(c);
      clock = c;
      p.playhead.startAt(at);
    };
    // Query first (the slow part): the cycles the lookahead will reach from the start predicted now.
    let at = predict();
    startAt(at);
    p.playhead.prefetch(at + base.prefetchFrames);
    // Then the first window, from the start predicted after the queries; again if converting it
    // took so long that the answer would come after that start.
    let w: Window;
    for (let tries = 0; ; tries++) {
      at = predict();
      startAt(at);
      w = fill(p, at + base.firstFrames, at + base.prefetchFrames, base.maxEvents, base.force, t0);
      if (tries === 2 || predict() <= at) break;
    }
    words[WORD.phase] = 0;
    program = p;
    role(true);
    const clockFixed = prev !== undefined && clock!.equals(prev.clock);
    // The queries and first windows: what the lookahead has to cover from now on.
    const queryMs = scheduler.queryMs;
    post({ type: "compiled", ir, warnings, at, clock: clock!.toData(), clockFixed, compileMs, ...w, queryMs, busyMs: now() - t0 - compileMs }, [w.batch.buffer as ArrayBuffer]);
  };

  port.on("message", (m: ToWorker) => {
    const t0 = now();
    if (m.type === "compile") compile(m.job, m.text, m.base);
    else if (m.type === "drop") {
      program = undefined;
      role(false);
    }
    else if (m.type === "warm") {
      try {
        if (!m.full) compiler.parser.parse(m.text);
        else {
          // A fresh thread: the compiler and the scheduler's paths a few times over, so that the
          // first save it compiles is not the one that pays for the JIT (~70 ms on a cold thread).
          for (let i = 0; i < WARM_ROUNDS; i++) {
            const r = compiler.compile(m.text);
            if (!r.ir) break;
            const s = new Scheduler(r.ir, r.lanes, { sampleRate: sr, resolveSample: () => 0, warn: () => {} });
            s.setClock(new Clock(sr, r.ir.cps, 0));
            batch.clear();
            new Playhead(s).fill(Math.round(sr / r.ir.cps), batch);
          }
          batch.clear();
        }
      } catch {
        // a warm-up only
      }
    }
    else if (m.type === "start") {
      // The predicted start had passed: the program starts at `at` after all.
      const p = program;
      if (!p || p.job !== m.job) return;
      const prev = p.prev ? { clock: Clock.fromData(p.prev.clock), control: p.prev.control } : undefined;
      const clock = continueClock(prev, p.ir.cps, p.ir.control ?? {}, m.at, sr);
      p.playhead.scheduler.setClock(clock);
      p.playhead.startAt(m.at);
      const w = fill(p, m.at + m.firstFrames, m.at + m.prefetchFrames, m.maxEvents, m.force, t0);
      post({ type: "started", clock: clock.toData(), ...w }, [w.batch.buffer as ArrayBuffer]);
    } else if (m.type === "fill") {
      const p = program;
      if (!p || p.job !== m.job) return;
      const w = fill(p, m.upTo, m.prefetchTo, m.maxEvents, m.force, t0);
      post({ type: "batch", ...w }, [w.batch.buffer as ArrayBuffer]);
    }
  });
  post({ type: "ready" });
}

if (parentPort) main();
