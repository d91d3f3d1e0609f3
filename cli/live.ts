//! `phonon live`: plays a .ph file and reloads it on every save, keeping the beat and the sound's state; a typo, a slow compile or a dense pattern never stops the music.
//!
//! Threads. The main thread watches the file, runs the UI and owns the engine (napi); the
//! patterns live on **pattern threads** (node:worker_threads, `cli/worker.ts`), one per program:
//! - the *playing* thread holds the running program's compiled patterns and Scheduler. Every
//!   TICK_MS the main thread checks how far ahead of the render position events have been sent
//!   and, below the lookahead, asks it for the next **window** of frames; the thread answers with
//!   the window's events as a transferred Float64Array, which the main thread pushes to the
//!   engine. A cycle is queried once (the Scheduler caches its onsets sorted by frame); windows
//!   only select and convert. The lookahead adapts: twice the longest recent cycle query and
//!   round trip (MovingMax), within 100 ms … 2 s, so the next cycle is queried (prefetched) when
//!   the lookahead reaches it, well before its first event is due; events in flight stay under
//!   half the engine's queue (MAX_IN_FLIGHT).
//! - the *standby* thread compiles the next save (it keeps its own incremental parse, and
//!   compiles each save the other thread compiled too, off the critical path, so that it stays
//!   current and warm), builds the Scheduler, queries the cycles the lookahead will need and
//!   converts the first window, all before it answers, at a start frame it predicts from the
//!   render position when the save was sent. The text read at a file event is compiled while the
//!   debounce runs, and the answer used if the file still holds it when the debounce ends. The main thread then loads the IR (`engine.load(ir, at)`, a block boundary past
//!   the render position; a prediction that has passed falls back to the next block, converting
//!   again only when the clock depends on the start), pushes the first window, and the two
//!   threads swap roles. A newer save while a compile runs supersedes it (a compile running
//!   longer than SUPERSEDE_MS is ended; a shorter one finishes unused); a compile over
//!   COMPILE_BUDGET_MS (2 s) is abandoned: its thread is terminated, a fresh one takes its place,
//!   and the error names the file, line and column where it was working; the old program plays
//!   on throughout.
//!
//! Why this design. The Scheduler needs the compiled patterns, which are closures and cannot
//! cross a thread boundary, so whoever compiles must also query, or compile twice. Compiling in
//! a worker and again on the main thread would block the beat for every slow program (and
//! double the edit-to-sound time); querying on the main thread blocks it for every slow cycle.
//! One program per thread keeps everything slow off the thread that feeds the engine: a long
//! compile costs the standby thread's time, a long query the playing thread's, and the main
//! thread only forwards ready batches. The edit-to-sound path is one compile (as before) plus a
//! message each way (~0.1 ms) and the first window (converted before answering, so it is never
//! late), and the compile overlaps the debounce; the swap is at the same block as before. Where the process may set thread priorities
//! (root or RLIMIT_NICE), the playing thread and the main thread run at nice −5, a compiling one
//! at +5 (`worker.ts`).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { GraphIR } from "../language/compile/ir.js";
import { type Diagnostic, SourceMap, diagnostic, formatDiagnostic } from "../language/diagnostics.js";
import { Clock } from "../language/schedule/clock.js";
import { LiveEngine, type LiveInfo, type LiveStats } from "./engine.js";
import { UserError, checkOutputPath } from "./render.js";
import { formatProfile, profilingRequested } from "./profile.js";
import { formatSampleChanges, formatSampleSummary, sampleRootWarnings, sampleRoots } from "./samples.js";
import { type Ui, plainUi } from "./status.js";
import { watchFile } from "./watch.js";
import { FaultWatch } from "./fault.js";
import { NonfiniteWatch } from "./nonfinite.js";
import { type FromWorker, PLAYING_NICE, type Progress, type ToWorker, WORD, WORDS, type Window, type WorkerSetup, niceThread } from "./worker.js";

export interface LiveOptions {
  file: string;
  sink: "auto" | "device" | "null";
  device?: string;
  buffer: number;
  sampleRate?: number;
  tui: boolean;
  record?: string;
  /** `--samples` values; PHONON_SAMPLES, ./samples and ~/dirt-samples follow. */
  samples?: string[];
  /** Render workers (1 = serial); the physical cores when absent. */
  threads?: number;
}

/** Written when `phonon live` is given a file that does not exist. */
export const EXAMPLE = `-- Phonon live: edit this file and save; every save is heard at once.
tempo: 0.5

~drums: s "bd*2 [~ bd] sn ~, hh*8"
~bass: saw "55 55 110 82.5" # lpf 800 4

out: ~drums * 0.8 + ~bass * 0.2
`;

/**
 * Wait this long after a file event for more, keeping only the newest text (an editor may write a
 * save in steps: truncate, then write; a few chunks). 5 ms rather than design.md's ~30: the
 * edit-to-sound target (issue 13: p50 ≤ 25 ms from the write to the first block of the new
 * program) leaves no room for more, and the steps of one save are back-to-back system calls
 * (microseconds apart; the in-place save of a 100-line file is one write). The text read at each
 * event is compiled meanwhile (`early`); when the debounce ends with the file unchanged, that
 * compile's answer is used, so the compile overlaps the wait.
 */
const DEBOUNCE_MS = 5;
/** How often the main thread checks whether the next window is due. */
const TICK_MS = 10;
/**
 * The lookahead's bounds: at least this far ahead of the render position (the slack the old
 * whole-cycle scheduling gave a cycle's first event; a loaded 2-core machine stalls a thread for
 * tens of ms now and then) …
 */
const MIN_LOOKAHEAD_MS = 100;
/** … and at most this far (a slower pattern side than this is an overloaded machine). */
const MAX_LOOKAHEAD_MS = 2000;
/** The first window of a new program covers the lookahead up to this long (converting it delays the swap). */
const FIRST_MS = 500;
/** A compile (with its first query) taking longer is abandoned: its thread is ended, the old program plays on. */
const COMPILE_BUDGET_MS = 2000;
/** A newer save ends a compile that has already run this long (a faster one finishes, unused, keeping its thread warm). */
const SUPERSEDE_MS = 100;
/** A standby thread compiles the playing text once to warm up when that took less than this (else it only parses it) … */
const WARM_MS = 50;
/** … and a fresh thread compiles and schedules it a few times when its compile (cold, the first time) took less than this. */
const FRESH_WARM_MS = 300;
/**
 * The most events sent to the engine and not yet played. The engine holds QUEUE_CAPACITY = 65536
 * pending events (engine-rs/core/src/events.rs) and its command ring COMMANDS = 65536
 * (engine-rs/core/src/live.rs); three quarters of that leaves room for the releases that gate
 * events add to the queue while they sound (what does not fit would be dropped and counted).
 */
const MAX_IN_FLIGHT = 49152;

/** The largest of the last `size` samples. */
class MovingMax {
  private readonly xs: number[] = [];
  constructor(private readonly size: number) {}
  add(x: number): void {
    this.xs.push(x);
    if (this.xs.length > this.size) this.xs.shift();
  }
  get max(): number {
    return this.xs.length ? Math.max(...this.xs) : 0;
  }
}

/** A pattern thread as the main thread sees it. */
class PatternThread {
  readonly worker: Worker;
  private readonly words: Int32Array;
  ready = false;

  /** The sample bank changed: the thread looks names up again before its next window. */
  setBankVersion(version: number): void {
    Atomics.store(this.words, WORD.bankVersion, version);
  }

  readyAt = 0;
  ended = false;

  constructor(
    setup: Omit<WorkerSetup, "shared">,
    private readonly engine: LiveEngine,
    private readonly onMessage: (thread: PatternThread, m: FromWorker) => void,
    private readonly onWarn: (message: string) => void,
    private readonly onFail: (thread: PatternThread, message: string) => void,
  ) {
    const shared = new SharedArrayBuffer(WORDS * 4);
    this.words = new Int32Array(shared);
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: { ...setup, shared } satisfies WorkerSetup });
    this.worker.on("message", (m: FromWorker) => {
      // Messages already on their way when the thread was ended (or the session stopped) are not wanted.
      if (this.ended) return;
      if (m.type === "sample") {
        // The thread waits for this word (Atomics.wait): answer at once.
        Atomics.store(this.words, WORD.sampleId, this.engine.sampleId(m.name, m.index) ?? -1);
        Atomics.store(this.words, WORD.sampleDone, 1);
        Atomics.notify(this.words, WORD.sampleDone);
      } else if (m.type === "warn") this.onWarn(m.message);
      else if (m.type === "ready") {
        this.ready = true;
        this.readyAt = performance.now();
      } else this.onMessage(this, m);
    });
    this.worker.on("error", (e) => {
      if (!this.ended) this.onFail(this, e.message);
    });
  }

  post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  /** What the thread is doing now: phase, the source offset being compiled, the line and column of the pattern being queried. */
  progress(): Progress {
    const w = (k: keyof typeof WORD): number => Atomics.load(this.words, WORD[k]);
    return { phase: w("phase"), offset: w("offset"), line: w("line"), col: w("col") };
  }

  end(): void {
    this.ended = true;
    void this.worker.terminate();
  }
}

interface Program {
  version: number;
  hash: string;
  ir: GraphIR;
  clock: Clock;
  thread: PatternThread;
  /** The compile job whose result this is (messages name it). */
  job: number;
  /** Events up to this frame have been sent. */
  scheduledTo: number;
  /** When the window in flight was asked for (performance.now()); one at a time. */
  asked: number | undefined;
  /** Cycles per second, for the window size. */
  cps: number;
}

interface Save {
  text: string;
  hash: string;
  changedAt: number;
  fresh: boolean;
  /**
   * Read at the first file event, before the debounce ends: compiled at once, but used only if
   * the file still holds this text when the debounce ends (an editor may still be writing).
   */
  early: boolean;
}

interface Compiling extends Save {
  job: number;
  thread: PatternThread;
  posted: number;
  timer: NodeJS.Timeout;
  /** A newer save came: the result is not wanted. */
  stale: boolean;
}

interface PendingSwap {
  version: number;
  swapsBefore: number;
  changedAt: number;
}

/** One live session: the engine, the newest good program and its pattern thread, and what the UI shows. */
export class Session {
  program: Program | undefined;
  version = 0;
  lastHash = "";
  error: string | undefined;
  hushed = false;
  paused = false;
  missing = false;
  readonly latencies: number[] = [];
  /** Compiles abandoned for taking longer than the budget. */
  abandoned = 0;
  /** Time the pattern threads spent on windows (queries and conversion, first windows included), ms. */
  schedulingMs = 0;
  /** The largest lookahead used, ms. */
  lookaheadPeakMs = 0;
  /** Windows that reached the engine after their first frame had been rendered (an overloaded machine). */
  lateWindows = 0;
  private pending: PendingSwap | undefined;
  private compiling: Compiling | undefined;
  /** An early compile's answer, kept until the debounce ends. */
  private held: { thread: PatternThread; m: FromWorker & { type: "failed" | "compiled" }; c: Compiling } | undefined;
  /** The newest save while a compile runs (older ones are forgotten). */
  private queued: Save | undefined;
  private standby: PatternThread | undefined;
  private jobs = 0;
  /** Longest cycle queries (the last few), and the rest of a window's round trip (the last many). */
  private readonly queryMax = new MovingMax(4);
  private readonly overheadMax = new MovingMax(64);
  private readonly loadMax = new MovingMax(8);
  /** Sent and not yet played: (end frame of the window, events). */
  private readonly inFlight: { end: number; count: number }[] = [];
  private readonly started = performance.now();
  private readonly setup: Omit<WorkerSetup, "shared">;
  /** The playing program's text and how long it took to compile. */
  private lastText = "";
  private lastCompileMs = 0;
  private closed = false;

  /** Tells every pattern thread that the sample bank is now version `version`. Main thread. */
  samplesChanged(version: number): void {
    for (const t of [this.program?.thread, this.standby]) t?.setBankVersion(version);
  }

  /** The playing program's GraphIR (for naming a node in a message). Main thread. */
  playingIR(): GraphIR | undefined {
    return this.program?.ir;
  }

  constructor(
    readonly engine: LiveEngine,
    readonly file: string,
    readonly ui: Ui,
  ) {
    this.setup = {
      file,
      sampleRate: engine.info.sampleRate,
      blockFrames: engine.info.blockFrames,
      sampleRoots: engine.info.samples.roots.filter((r) => r.found).map((r) => r.root),
    };
    this.standby = this.spawn();
  }

  /** A fresh thread for the next save, warmed with the playing program's text when that compiles quickly. */
  private spawnStandby(): PatternThread {
    const t = this.spawn();
    if (this.lastText && this.lastCompileMs < FRESH_WARM_MS) t.post({ type: "warm", text: this.lastText, full: true });
    return t;
  }

  private spawn(): PatternThread {
    return new PatternThread(
      this.setup,
      this.engine,
      (t, m) => this.onMessage(t, m),
      (m) => this.ui.warn(m),
      (t, m) => this.onThreadFailed(t, m),
    );
  }

  private get sr(): number {
    return this.engine.info.sampleRate;
  }
  private get block(): number {
    return this.engine.info.blockFrames;
  }

  /**
   * How far ahead of the render position events are sent: twice the longest recent query and
   * round trip (four times while a compile runs: it competes for the same cores, and its garbage
   * collections for the same helper threads), plus a tick and two blocks, within
   * MIN_LOOKAHEAD_MS … MAX_LOOKAHEAD_MS.
   */
  lookaheadMs(): number {
    const blockMs = (this.block / this.sr) * 1000;
    const need = (this.compiling ? 4 : 2) * (this.queryMax.max + this.overheadMax.max) + TICK_MS + 2 * blockMs;
    return Math.min(MAX_LOOKAHEAD_MS, Math.max(MIN_LOOKAHEAD_MS, need));
  }

  /** A window's length: half the lookahead, within 4 blocks … a quarter cycle. */
  private windowFrames(cps: number): number {
    const la = (this.lookaheadMs() / 1000) * this.sr;
    return Math.max(4 * this.block, Math.round(Math.min(la / 2, this.sr / cps / 4)));
  }

  /** Events sent whose windows have not all been rendered. */
  private eventsInFlight(rendered: number): number {
    while (this.inFlight.length && this.inFlight[0]!.end <= rendered) this.inFlight.shift();
    let n = 0;
    for (const w of this.inFlight) n += w.count;
    return n;
  }

  /** Compile `text` on a pattern thread; when it is good, it becomes the program from a block
   * ahead of the render position on. With `fresh` (panic) nothing carries over from the running
   * program, which fades out. The running program plays on meanwhile. With `early` (the text
   * read at a file's first event, before the debounce ends), the result waits for a call
   * without `early` with the same text (then it is used at once) or is dropped for another. */
  apply(text: string, changedAt: number, fresh = false, early = false): void {
    if (this.closed) return;
    const hash = createHash("sha1").update(text).digest("hex");
    /** Not the text playing now (or a panic). */
    const wanted = fresh || hash !== this.lastHash;
    const h = this.held;
    if (h) {
      this.held = undefined;
      if (h.c.hash === hash && !fresh) {
        if (early) this.held = h;
        else this.onCompiled(h.thread, h.m, { ...h.c, early: false });
        return;
      }
      h.thread.post({ type: "drop" });
      this.standby = h.thread;
    }
    const c = this.compiling;
    if (c) {
      if (c.hash === hash && !fresh) {
        // Back to the text being compiled: it is the newest again.
        c.stale = false;
        c.early &&= early;
        this.queued = undefined;
        return;
      }
      // The compile in progress is superseded: its result will not be used.
      c.stale = true;
      this.queued = wanted ? { text, hash, changedAt, fresh, early } : undefined;
      const since = c.thread.ready ? Math.max(c.posted, c.thread.readyAt) : performance.now();
      if (performance.now() - since > SUPERSEDE_MS) this.abandon(false);
      return;
    }
    if (wanted) this.startCompile({ text, hash, changedAt, fresh, early });
  }

  private startCompile(save: Save): void {
    const thread = this.standby ?? this.spawn();
    this.standby = undefined;
    const job = ++this.jobs;
    const p = this.program;
    const la = this.lookaheadMs();
    const rendered = this.engine.rendered();
    const inFlight = this.eventsInFlight(rendered);
    // From the answer to the swap: twice the longest recent load and a millisecond for the
    // message (the start is then rounded up to a block; a start that has passed when the answer
    // comes falls back to the engine's rule, a block past the render position).
    // An early compile is used when the debounce ends, at the soonest.
    const leadFrames = Math.ceil(((2 * this.loadMax.max + 1 + (save.early ? DEBOUNCE_MS : 0)) / 1000) * this.sr);
    thread.post({
      type: "compile",
      job,
      text: save.text,
      base: {
        ...(p ? { prev: { clock: p.clock.toData(), control: p.ir.control ?? {} } } : {}),
        rendered,
        wall: performance.timeOrigin + performance.now(),
        leadFrames,
        // The whole lookahead (at most FIRST_MS): the new program starts with as much cover as
        // the running one has, so a pause of its thread just after a big compile (a garbage
        // collection) costs no event.
        firstFrames: Math.round((Math.min(FIRST_MS, la) / 1000) * this.sr) + this.windowFrames(p?.cps ?? 0.5),
        prefetchFrames: Math.round((la / 1000) * this.sr) + this.windowFrames(p?.cps ?? 0.5),
        maxEvents: MAX_IN_FLIGHT - inFlight,
        force: inFlight === 0,
      },
    });
    const timer = setTimeout(() => this.abandon(true), COMPILE_BUDGET_MS);
    this.compiling = { ...save, job, thread, posted: performance.now(), timer, stale: false };
  }

  /** End the compile in progress (its thread with it) and start a fresh thread; then compile the newest save, if any. */
  private abandon(overBudget: boolean): void {
    const c = this.compiling;
    if (!c) return;
    clearTimeout(c.timer);
    const where = c.thread.progress();
    c.thread.end();
    this.compiling = undefined;
    this.standby = this.spawnStandby();
    if (overBudget && !c.stale) {
      this.abandoned++;
      this.error = this.overBudget(c.text, where);
      this.ui.error(this.error);
    }
    const q = this.queued;
    this.queued = undefined;
    if (q) this.startCompile(q);
  }

  /** The message for a compile over budget, located where the thread was working when it was ended. */
  private overBudget(text: string, where: Progress): string {
    const playing = this.program ? `still playing v${this.program.version}` : "nothing plays yet";
    const budget = `${COMPILE_BUDGET_MS / 1000} s`;
    const map = new SourceMap(text);
    if (where.phase === 1) {
      const offset = Math.min(Math.max(0, where.offset), Math.max(0, text.length - 1));
      const d = diagnostic(map, "error", `compiling took longer than ${budget} (it was evaluating this); abandoned, ${playing}`, { start: offset, end: offset + 1 });
      return formatDiagnostic(d, map, this.file);
    }
    if (where.phase === 2 && where.line > 0) {
      const start = map.offset(where.line, where.col);
      const d: Diagnostic = {
        severity: "error",
        message: `querying this pattern's first cycle took longer than ${budget}; abandoned, ${playing}`,
        span: { start, end: start + 1 },
        line: where.line,
        col: where.col,
      };
      return formatDiagnostic(d, map, this.file);
    }
    return `${this.file}:${this.changedLine(text)}: error: compiling took longer than ${budget} (the first line that changed is given); abandoned, ${playing}`;
  }

  /** The first line where `text` differs from the playing program's text (1 when none plays). */
  private changedLine(text: string): number {
    const old = this.lastText.split("\n");
    const now = text.split("\n");
    let i = 0;
    while (i < now.length && i < old.length && now[i] === old[i]) i++;
    return Math.min(i, now.length - 1) + 1;
  }

  private onThreadFailed(thread: PatternThread, message: string): void {
    thread.end();
    if (this.compiling?.thread === thread) {
      clearTimeout(this.compiling.timer);
      const text = this.compiling.text;
      this.compiling = undefined;
      this.standby = this.spawnStandby();
      this.error = `${this.file}:${this.changedLine(text)}: error: the compile failed: ${message}; ${this.program ? `still playing v${this.program.version}` : "nothing plays yet"}`;
      this.ui.error(this.error);
      const q = this.queued;
      this.queued = undefined;
      if (q) this.startCompile(q);
    } else if (this.program?.thread === thread) {
      // The playing program's thread is gone: compile the same text again on a fresh one.
      this.ui.warn(`the pattern thread stopped (${message}); restarting it`);
      this.program.asked = performance.now();
      if (this.standby === thread) this.standby = undefined;
      this.lastHash = "";
      this.apply(this.lastText, Date.now());
    } else if (this.held?.thread === thread) {
      this.held = undefined;
      if (!this.standby) this.standby = this.spawnStandby();
    } else if (this.standby === thread) this.standby = this.spawnStandby();
  }

  private onMessage(thread: PatternThread, m: FromWorker): void {
    if (m.type === "failed" || m.type === "compiled") this.onCompiled(thread, m);
    else if (m.type === "batch" || m.type === "started") {
      const p = this.program;
      if (!p || p.thread !== thread || m.job !== p.job) return;
      if (m.type === "started") p.clock = Clock.fromData(m.clock);
      if (p.asked !== undefined) {
        const latency = performance.now() - p.asked;
        this.overheadMax.add(Math.max(0, latency - m.queryMs));
        p.asked = undefined;
      }
      if (m.queryMs > 0) this.queryMax.add(m.queryMs);
      this.send(p, m);
      this.tick();
    }
  }

  /** Push a window's events to the engine. */
  private send(p: Program, w: Window): void {
    this.schedulingMs += w.busyMs;
    p.scheduledTo = Math.max(p.scheduledTo, w.scheduledTo);
    if (!w.count) return;
    const rendered = this.engine.rendered();
    if (w.from < rendered) this.lateWindows++;
    this.push(w.batch);
    this.inFlight.push({ end: w.scheduledTo, count: w.count });
  }

  private onCompiled(thread: PatternThread, m: FromWorker & { type: "failed" | "compiled" }, held?: Compiling): void {
    const c = held ?? this.compiling;
    if (!c || c.thread !== thread || c.job !== m.job) {
      thread.post({ type: "drop" });
      return;
    }
    if (!held) {
      clearTimeout(c.timer);
      this.compiling = undefined;
    }
    const next = (): void => {
      const q = this.queued;
      this.queued = undefined;
      if (q) this.startCompile(q);
    };
    if (c.stale) {
      // A newer save arrived: this result is not wanted.
      thread.post({ type: "drop" });
      this.standby = thread;
      next();
      return;
    }
    if (c.early) {
      // The debounce has not ended: keep the answer until it does.
      this.held = { thread, m, c };
      return;
    }
    if (m.type === "failed") {
      this.standby = thread;
      this.error = m.errors;
      this.ui.error(this.error);
      return;
    }
    for (const w of m.warnings) this.ui.warn(w);
    this.swap(thread, m, c);
  }

  /** Load a compiled program at its start frame and send its first window. */
  private swap(thread: PatternThread, m: FromWorker & { type: "compiled" }, c: Compiling): void {
    const rendered = this.engine.rendered();
    let at = m.at;
    let first: Window | undefined = m;
    if (at < rendered + this.block) {
      // The predicted start has passed: a block past the render position after all. With the
      // same clock the window sent holds from there (its events before the start are dropped by
      // the engine); otherwise the thread converts again, and a block more leaves it the time.
      if (m.clockFixed) at = rendered + this.block;
      else {
        at = rendered + 2 * this.block;
        first = undefined;
      }
    }
    const swapsBefore = this.engine.stats().live.swaps;
    // A `panic` line that appears in the file acts like the p key.
    const panic = Boolean(m.ir.control?.panic && !this.program?.ir.control?.panic);
    const t0 = performance.now();
    try {
      this.engine.load(m.ir, at, c.fresh || panic);
    } catch (e) {
      thread.post({ type: "drop" });
      this.standby = thread;
      this.error = `${this.file}: the engine refused the program: ${(e as Error).message}`;
      this.ui.error(this.error);
      return;
    }
    this.loadMax.add(performance.now() - t0);
    const old = this.program;
    this.version++;
    this.lastHash = c.hash;
    this.lastText = c.text;
    this.lastCompileMs = m.compileMs;
    this.error = undefined;
    this.ui.error(undefined);
    const p: Program = {
      version: this.version,
      hash: c.hash,
      ir: m.ir,
      clock: Clock.fromData(m.clock),
      thread,
      job: m.job,
      scheduledTo: at,
      asked: undefined,
      cps: m.ir.cps,
    };
    this.program = p;
    if (old) {
      old.thread.post({ type: "drop" });
      // The next save compiles there: it compiles this one too and forgets it, so that its
      // incremental parse is current and its JIT as warm as if it compiled every save (two
      // threads that alternate, each idle half the time, compile the next save ~1 ms slower).
      old.thread.post({ type: "warm", text: c.text, full: m.compileMs < WARM_MS });
      this.standby = old.thread;
    } else if (!this.standby) this.standby = this.spawnStandby();
    if (m.queryMs > 0) this.queryMax.add(m.queryMs);
    if (first) this.send(p, first);
    else {
      const inFlight = this.eventsInFlight(rendered);
      p.asked = performance.now();
      thread.post({
        type: "start",
        job: m.job,
        at,
        // A short first window: it is due in two blocks.
        firstFrames: 4 * this.block,
        prefetchFrames: Math.round((this.lookaheadMs() / 1000) * this.sr) + this.windowFrames(p.cps),
        maxEvents: MAX_IN_FLIGHT - inFlight,
        force: inFlight === 0,
      });
    }
    if (c.fresh) this.ui.warn("panic: every voice and tail silenced");
    this.pending = { version: this.version, swapsBefore, changedAt: c.changedAt };
    this.watchSwap();
    this.tick();
  }

  /** Poll every millisecond until the render thread has taken the new program, to time the reload. */
  private watchSwap(): void {
    const check = (): void => {
      const p = this.pending;
      if (!p) return;
      const live = this.engine.stats().live;
      if (live.swaps > p.swapsBefore) {
        const latency = Math.round(Date.now() - p.changedAt);
        this.latencies.push(latency);
        this.ui.reloaded(p.version, latency, live.swapFrame);
        this.pending = undefined;
      } else setTimeout(check, 1);
    };
    setTimeout(check, 1);
  }

  /** Read the file and apply it. `changedAt` is when the watcher saw the change; for a save
   * (`saved`), the file's own modification time, when just before, is the better start of the
   * save-to-sound clock. */
  reload(changedAt = Date.now(), saved = false, early = false): void {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
      const mtime = statSync(this.file).mtimeMs;
      if (saved && mtime <= changedAt && changedAt - mtime < 1000) changedAt = mtime;
    } catch {
      if (early) return;
      this.missing = true;
      this.ui.warn(`${this.file}: file missing; still playing the last program`);
      return;
    }
    this.missing = false;
    // A file being rewritten is often empty at its first event (truncated, not yet written):
    // nothing to compile early then (and compiling it would throw away the incremental parse).
    if (early && !text.trim()) return;
    this.apply(text, changedAt, false, early);
  }

  /**
   * Ask the playing program's thread for the next window once the events sent reach less than the
   * lookahead past the render position. Called every TICK_MS and whenever a window arrives. A
   * window is at most as long as the time left before its first event is due (so catching up
   * after a swap goes in growing steps, each converted well before its deadline); the cycles the
   * lookahead and one more window reach are queried ahead with it.
   */
  tick(): void {
    const p = this.program;
    if (!p || p.asked !== undefined) return;
    const rendered = this.engine.rendered();
    const laMs = this.lookaheadMs();
    this.lookaheadPeakMs = Math.max(this.lookaheadPeakMs, laMs);
    const la = Math.round((laMs / 1000) * this.sr);
    const cover = p.scheduledTo - rendered;
    if (cover >= la) return;
    const w = this.windowFrames(p.cps);
    const len = Math.min(w, Math.max(4 * this.block, cover));
    const inFlight = this.eventsInFlight(rendered);
    p.asked = performance.now();
    p.thread.post({
      type: "fill",
      job: p.job,
      upTo: Math.max(p.scheduledTo, rendered) + len,
      prefetchTo: rendered + la + w,
      maxEvents: MAX_IN_FLIGHT - inFlight,
      force: inFlight === 0,
    });
  }

  /** Sends a batch; one the engine refuses is dropped and reported once, and playing goes on. */
  private push(batch: Float64Array): void {
    try {
      this.engine.pushEvents(batch);
    } catch (e) {
      if (!this.pushFailed) this.ui.warn(`events could not be scheduled (${(e as Error).message}); they are skipped and the music goes on`);
      this.pushFailed = true;
    }
  }
  private pushFailed = false;

  /** The cycle position at the render position (0 until the first program starts). */
  cycle(): number {
    return this.program ? Math.max(0, this.program.clock.cycleAt(this.engine.rendered()).toNumber()) : 0;
  }

  /** Cycles played since the session started (for per-cycle figures). */
  cyclesPlayed(): number {
    const cps = this.program?.cps ?? 0.5;
    return ((performance.now() - this.started) / 1000) * cps;
  }

  /** Silence every voice, echo and tail (a 15 ms fade) and play the program on from fresh. */
  panic(): void {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return;
    }
    this.apply(text, Date.now(), true);
  }

  togglePause(): void {
    this.paused = !this.paused;
    this.engine.pause(this.paused);
  }

  toggleHush(): void {
    this.hushed = !this.hushed;
    this.engine.hush(this.hushed);
  }

  /** End every pattern thread (before the engine stops: nothing reaches it afterwards). */
  close(): void {
    this.closed = true;
    this.pending = undefined;
    if (this.compiling) clearTimeout(this.compiling.timer);
    for (const t of [this.program?.thread, this.compiling?.thread, this.held?.thread, this.standby]) t?.end();
  }
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/** Run `phonon live` until q, SIGINT or SIGTERM. Returns the exit code. */
export async function runLive(opts: LiveOptions): Promise<number> {
  const file = resolve(opts.file);
  if (!existsSync(file)) {
    if (!existsSync(dirname(file))) throw new UserError(`cannot create ${opts.file}: the directory ${dirname(file)} does not exist`);
    writeFileSync(file, EXAMPLE);
    console.log(`phonon: ${opts.file} did not exist; wrote an example to play and edit`);
  } else if (statSync(file).isDirectory()) {
    throw new UserError(`${opts.file} is a directory, not a .ph file`);
  }
  // Never record over the program (the watcher would then reload its own recording), another
  // .ph, a file that is not a WAV, or a directory.
  if (opts.record) checkOutputPath(opts.record, file, "--record");
  // The device opens before the TUI takes the screen.
  let engine: LiveEngine;
  try {
    engine = new LiveEngine({
      sink: opts.sink,
      device: opts.device,
      periodFrames: opts.buffer,
      sampleRate: opts.sampleRate,
      record: opts.record,
      profile: profilingRequested(),
      samples: sampleRoots(opts.samples),
      threads: opts.threads,
    });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  // The main thread hands every window to the engine: above ordinary work where allowed (see worker.ts).
  niceThread(PLAYING_NICE);
  const ui: Ui = opts.tui ? await (await import("./tui.js")).tui(file, engine.info) : plainUi(file, engine.info);
  if (engine.info.warning) ui.warn(engine.info.warning);
  if (engine.info.realtimeWarning) ui.warn(engine.info.realtimeWarning);
  ui.warn(`samples: ${formatSampleSummary(engine.info.samples)}`);
  for (const w of [...sampleRootWarnings(opts.samples), ...engine.info.samples.warnings]) ui.warn(w);
  const session = new Session(engine, opts.file, ui);
  session.reload(Date.now());

  let debounce: NodeJS.Timeout | undefined;
  let changedAt = 0;
  const onChange = (): void => {
    if (!debounce) changedAt = Date.now();
    // Compile what the file holds now while the debounce runs; used if it still holds that when
    // the debounce ends (a newer event's text supersedes it).
    session.reload(changedAt, true, true);
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      try {
        session.reload(changedAt, true);
      } catch (e) {
        // Nothing in a reload may stop the music: the last good program plays on.
        ui.error(`${opts.file}: could not load this version: ${(e as Error).message}`);
      }
    }, DEBOUNCE_MS);
  };
  // The directory is watched, not the file: an atomic save (temp file renamed over it) replaces
  // the file's inode, which a watch on the file would keep following (cli/watch.ts).
  const watcher = watchFile(file, onChange, () => {
    session.missing = true;
    ui.warn(`${opts.file}: file missing; still playing the last program`);
  });

  // Nothing in a tick may stop the music: an exception is reported once and the next tick goes on.
  let tickFailed = false;
  const ticker = setInterval(() => {
    try {
      session.tick();
    } catch (e) {
      if (!tickFailed) ui.warn(`scheduling failed: ${(e as Error).message}; the last good program plays on`);
      tickFailed = true;
    }
  }, TICK_MS);
  const profiling = profilingRequested();
  const flushed = new NonfiniteWatch();
  const faults = new FaultWatch();
  const status = setInterval(() => {
    const stats = engine.stats();
    const warning = flushed.check(stats.render.nonfinite, Date.now());
    if (warning) ui.warn(warning);
    const fault = faults.check(stats.render.faults, stats.render.faultNode, session.playingIR(), file);
    if (fault) ui.warn(fault);
    const changes = engine.takeSampleChanges();
    if (changes.length) {
      session.samplesChanged(engine.sampleVersion());
      for (const c of changes) for (const line of formatSampleChanges(c)) ui.warn(line);
    }
    ui.status(session, stats, profiling ? engine.topNodes() : []);
  }, ui.interval);

  return await new Promise<number>((done) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      clearInterval(ticker);
      clearInterval(status);
      clearTimeout(debounce);
      watcher.close();
      session.close();
      let final: LiveStats | undefined;
      try {
        final = engine.stop();
      } catch (e) {
        ui.warn(`stopping: ${(e as Error).message}`);
      }
      ui.close();
      const l = session.latencies;
      const lines = [`phonon live: stopped after ${session.version} program version${session.version === 1 ? "" : "s"}`];
      if (l.length > 1) lines.push(`  save-to-sound latency: p50 ${percentile(l.slice(1), 0.5)} ms, p99 ${percentile(l.slice(1), 0.99)} ms over ${l.length - 1} reloads`);
      if (final) {
        const r = final.render;
        lines.push(`  ${(r.frames / engine.info.sampleRate).toFixed(1)} s rendered; block p50 ${r.blockUsP50.toFixed(0)} µs, p99 ${r.blockUsP99.toFixed(0)} µs, max ${r.blockUsMax.toFixed(0)} µs; over budget ${r.overBudgetBlocks}; underruns ${final.live.underruns}; late events ${r.lateEvents}; dropped events ${r.droppedEvents}`);
        const cycles = session.cyclesPlayed();
        const cps = session.program?.cps ?? 0.5;
        if (cycles > 0) {
          const perCycle = session.schedulingMs / cycles;
          lines.push(
            `  pattern thread: scheduling ${perCycle.toFixed(1)} ms per cycle (${((perCycle / 1000) * cps * 100).toFixed(2)} % of a cycle); lookahead ${session.lookaheadMs().toFixed(0)} ms at the end, ${session.lookaheadPeakMs.toFixed(0)} ms at most; windows sent late ${session.lateWindows}; compiles abandoned ${session.abandoned}`,
          );
        }
        if (opts.record) lines.push(`  recorded ${final.recordedFrames ?? 0} frames to ${opts.record}`);
        const ir = session.program?.ir;
        if (final.profile && ir) lines.push("", formatProfile(final.profile, ir, final.render, engine.info.sampleRate));
      }
      console.log(lines.join("\n"));
      done(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    ui.onKey((key) => {
      if (key === "q") stop();
      else if (key === "h") session.toggleHush();
      else if (key === "p") session.panic();
      else if (key === "space") session.togglePause();
      else if (key === "r") {
        session.lastHash = "";
        session.reload(Date.now());
      }
    });
  });
}

export type { LiveInfo };
