//! `phonon live`: plays a .ph file and reloads it on every save, keeping the beat and the sound's state; a typo never stops the music.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { kernelReport } from "../language/catalogue.js";
import { type CompileResult, Compiler } from "../language/compile/lower.js";
import { formatDiagnostic } from "../language/diagnostics.js";
import { Rational } from "../language/pattern/rational.js";
import { Clock } from "../language/schedule/clock.js";
import { EventBatch } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";
import { Engine, LiveEngine, type LiveInfo, type LiveStats } from "./engine.js";
import { UserError, checkOutputPath } from "./render.js";
import { formatProfile, profilingRequested } from "./profile.js";
import { formatSampleSummary, sampleRootWarnings, sampleRoots } from "./samples.js";
import { type Ui, plainUi } from "./status.js";
import { watchFile } from "./watch.js";
import { NonfiniteWatch } from "./nonfinite.js";

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
 * Wait this long after a file event for more, keeping only the newest text (editors may write in
 * several steps). 15 ms rather than design.md's ~30: the edit-to-sound target (p50 ≤ 30 ms, from
 * the write to the first block of the new program) leaves no room for 30.
 */
const DEBOUNCE_MS = 15;
/** How often the scheduler runs. */
const TICK_MS = 10;
/** How far past the render position events are scheduled (a whole cycle is pushed once its start is this close). */
const LOOKAHEAD_SECONDS = 0.1;

interface Program {
  version: number;
  hash: string;
  result: CompileResult;
  scheduler: Scheduler;
  clock: Clock;
  nextCycle: number;
}

interface PendingSwap {
  version: number;
  swapsBefore: number;
  changedAt: number;
}

/** One live session: the engine, the newest good program, and what the UI shows. */
export class Session {
  program: Program | undefined;
  version = 0;
  lastHash = "";
  error: string | undefined;
  hushed = false;
  paused = false;
  missing = false;
  readonly latencies: number[] = [];
  private pending: PendingSwap | undefined;
  private readonly batch = new EventBatch();
  /** Keeps the parse of unchanged statements between saves (incremental re-parsing). */
  private readonly compiler = new Compiler();
  private readonly lookahead: number;
  /** The kernels the engine implements (a program using others is refused with their names). */
  private readonly kinds = new Engine(8000, 64).kinds();

  constructor(
    readonly engine: LiveEngine,
    readonly file: string,
    readonly ui: Ui,
  ) {
    this.lookahead = Math.round(LOOKAHEAD_SECONDS * engine.info.sampleRate);
  }

  /** Compile `text` and, if it has no error, make it the program from the render position on.
   * With `fresh` (panic) nothing carries over from the running program, which fades out. */
  apply(text: string, changedAt: number, fresh = false): boolean {
    const hash = createHash("sha1").update(text).digest("hex");
    if (hash === this.lastHash && !fresh) return true;
    const result = this.compiler.compile(text);
    if (!result.ir) {
      this.error = result.diagnostics.map((d) => formatDiagnostic(d, result.map, this.file)).join("\n");
      this.ui.error(this.error);
      return false;
    }
    for (const d of result.diagnostics) this.ui.warn(formatDiagnostic(d, result.map, this.file));
    const missing = kernelReport(result.ir, this.kinds);
    if (missing) {
      this.error = `${this.file}: ${missing}`;
      this.ui.error(this.error);
      return false;
    }
    const sr = this.engine.info.sampleRate;
    // One block past the render position: the program's first events reach the render thread
    // before it gets there. The cycle position never jumps: a new program (and a new tempo)
    // continues from where the old clock is at that frame. The first program starts at cycle 0.
    const at = this.engine.rendered() + this.engine.info.blockFrames;
    const clock = this.clockFor(result, at);
    const swapsBefore = this.engine.stats().live.swaps;
    // A `panic` line that appears in the file acts like the p key.
    const panic = Boolean(result.ir.control?.panic && !this.program?.result.ir?.control?.panic);
    try {
      this.engine.load(result.ir, at, fresh || panic);
    } catch (e) {
      this.error = `${this.file}: the engine refused the program: ${(e as Error).message}`;
      this.ui.error(this.error);
      return false;
    }
    const scheduler = new Scheduler(result.ir, result.lanes, {
      sampleRate: sr,
      resolveSample: (name, index) => this.engine.sampleId(name, index),
      sampleRoots: this.engine.info.samples.roots.filter((r) => r.found).map((r) => r.root),
      warn: (m) => this.ui.warn(m),
      clock,
    });
    this.version++;
    this.lastHash = hash;
    this.error = undefined;
    this.ui.error(undefined);
    // Re-push the current cycle: its events before the swap are discarded by the engine (the
    // old program played that time), the rest play in the new program.
    this.program = { version: this.version, hash, result, scheduler, clock, nextCycle: clock.cycleAt(at).floor() };
    this.pending = { version: this.version, swapsBefore, changedAt };
    this.tick();
    this.watchSwap();
    return true;
  }

  /**
   * The clock of a new program starting at frame `at`: it continues the running clock (a new
   * tempo rebases it there), unless the file's live commands say otherwise. Each command acts
   * when it appears or changes, not again on every save: `resetCycles` restarts at cycle 0,
   * `setCycle N` jumps to cycle N, `nudge S` shifts the timing by S seconds (a standing offset:
   * changing it from 0.1 to 0.15 moves the beat 50 ms). (`panic` is handled in `apply`.)
   */
  private clockFor(result: CompileResult, at: number): Clock {
    const ir = result.ir!;
    const sr = this.engine.info.sampleRate;
    const now = ir.control ?? {};
    const before = this.program?.result.ir?.control ?? {};
    let clock = this.program ? this.program.clock.rebase(at, ir.cps) : new Clock(sr, ir.cps, at);
    if (now.resetCycles && !before.resetCycles) clock = new Clock(sr, ir.cps, at);
    if (now.setCycle !== undefined && now.setCycle !== before.setCycle) clock = new Clock(sr, ir.cps, at, Rational.fromNumber(now.setCycle));
    const shift = (now.nudge ?? 0) - (before.nudge ?? 0);
    if (shift !== 0) clock = new Clock(sr, ir.cps, clock.originFrame + Math.round(shift * sr), clock.originCycle);
    return clock;
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
  reload(changedAt = Date.now(), saved = false): void {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
      const mtime = statSync(this.file).mtimeMs;
      if (saved && mtime <= changedAt && changedAt - mtime < 1000) changedAt = mtime;
    } catch {
      this.missing = true;
      this.ui.warn(`${this.file}: file missing; still playing the last program`);
      return;
    }
    this.missing = false;
    this.apply(text, changedAt);
  }

  /** Schedule what is due. Called every TICK_MS. */
  tick(): void {
    const p = this.program;
    if (!p) return;
    const horizon = this.engine.rendered() + this.lookahead;
    while (p.clock.frameAt(Rational.of(p.nextCycle)) < horizon) {
      this.batch.clear();
      p.scheduler.schedule(p.nextCycle, this.batch);
      if (this.batch.count) this.push(this.batch.view());
      p.nextCycle++;
    }
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

  /** Silence every voice, echo and tail (a 15 ms fade) and play the program on from fresh. */
  panic(): void {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return;
    }
    if (this.apply(text, Date.now(), true)) this.ui.warn("panic: every voice and tail silenced");
  }

  togglePause(): void {
    this.paused = !this.paused;
    this.engine.pause(this.paused);
  }

  toggleHush(): void {
    this.hushed = !this.hushed;
    this.engine.hush(this.hushed);
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
  const status = setInterval(() => {
    const stats = engine.stats();
    const warning = flushed.check(stats.render.nonfinite, Date.now());
    if (warning) ui.warn(warning);
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
        lines.push(`  ${(r.frames / engine.info.sampleRate).toFixed(1)} s rendered; block p50 ${r.blockUsP50.toFixed(0)} µs, p99 ${r.blockUsP99.toFixed(0)} µs, max ${r.blockUsMax.toFixed(0)} µs; over budget ${r.overBudgetBlocks}; underruns ${final.live.underruns}; late events ${r.lateEvents}`);
        if (opts.record) lines.push(`  recorded ${final.recordedFrames ?? 0} frames to ${opts.record}`);
        const ir = session.program?.result.ir;
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
