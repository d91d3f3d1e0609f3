//! What `phonon live` shows: the Ui interface, a status snapshot, and the plain-line UI used with --no-tui or when stdout is not a terminal.
import type { LiveInfo, LiveStats, ProfileRow } from "./engine.js";

/** The session facts a UI shows. */
export interface SessionView {
  file: string;
  version: number;
  error: string | undefined;
  hushed: boolean;
  paused: boolean;
  missing: boolean;
  latencies: number[];
  cycle(): number;
  /** How far ahead of the render position events are sent now. */
  lookaheadMs(): number;
  program: { ir: { cps: number } } | undefined;
}

export interface Ui {
  /** Milliseconds between status updates. */
  interval: number;
  /** `top`: the slowest nodes now, when PROFILE_DETAILED is on. */
  status(session: SessionView, stats: LiveStats, top: ProfileRow[]): void;
  reloaded(version: number, latencyMs: number, frame: number): void;
  /** The current error (a formatted diagnostic), or undefined when it is fixed. */
  error(text: string | undefined): void;
  warn(message: string): void;
  onKey(handler: (key: string) => void): void;
  close(): void;
}

export const dB = (x: number): string => (x > 0 ? `${(20 * Math.log10(x)).toFixed(1)}` : "-inf");

/** Block load as a share of the period's time budget. */
export function load(stats: LiveStats, info: LiveInfo): { p50: number; p99: number } {
  const budgetUs = (info.blockFrames / info.sampleRate) * 1e6;
  return { p50: stats.render.blockUsP50 / budgetUs, p99: stats.render.blockUsP99 / budgetUs };
}

/** How the render thread is scheduled: "rt (SCHED_FIFO 70)" or "normal priority". */
export const priorityLabel = (info: LiveInfo): string => (info.realtime ? `rt (${info.priority})` : "normal priority");

/** One line per event, and a status line every second. */
export function plainUi(file: string, info: LiveInfo): Ui {
  const ms = ((info.periodFrames / info.sampleRate) * 1000).toFixed(1);
  console.log(
    `phonon live ${file} — sink ${info.sink} (${info.device}), ${info.sampleRate} Hz, period ${info.periodFrames} frames (${ms} ms), block ${info.blockFrames}, ${info.threads} thread${info.threads === 1 ? "" : "s"}, ${priorityLabel(info)}`,
  );
  let lastError: string | undefined;
  return {
    interval: 1000,
    status(s, stats, top) {
      const l = load(stats, info);
      const cps = s.program?.ir.cps ?? 0;
      const r = stats.render;
      console.log(
        `[status] v${s.version} cycle ${s.cycle().toFixed(2)} ${cps} cps (${(cps * 60).toFixed(1)} bpm) | load p50 ${(l.p50 * 100).toFixed(1)}% p99 ${(l.p99 * 100).toFixed(1)}% | underruns ${stats.live.underruns} | over budget ${stats.render.overBudgetBlocks} | late events ${r.lateEvents} | lookahead ${s.lookaheadMs().toFixed(0)} ms | voices ${r.voices} | peak L ${dB(r.meterPeak[0])} R ${dB(r.meterPeak[1])} dBFS${s.hushed ? " | HUSHED" : ""}${s.paused ? " | PAUSED" : ""}${s.missing ? " | FILE MISSING" : ""}`,
      );
      if (top.length) console.log(`[profile] ${top.slice(0, 5).map((t) => `${t.kind}#${t.id} ${t.meanUs.toFixed(1)} µs`).join(", ")}`);
    },
    reloaded(version, latency, frame) {
      console.log(`[reload] v${version} playing from frame ${frame}; save-to-sound ${latency} ms`);
    },
    error(text) {
      if (text && text !== lastError) console.log(`[error] keeping the last good program\n${text}`);
      if (!text && lastError) console.log("[error] fixed");
      lastError = text;
    },
    warn(message) {
      console.log(`[warning] ${message}`);
    },
    onKey(handler) {
      if (!process.stdin.isTTY) return;
      process.stdin.setRawMode(true);
      process.stdin.resume();
      process.stdin.on("data", (d: Buffer) => {
        const k = d.toString();
        if (k === "\u0003") handler("q");
        else handler(k === " " ? "space" : k);
      });
    },
    close() {
      if (process.stdin.isTTY) {
        process.stdin.setRawMode(false);
        process.stdin.pause();
      }
    },
  };
}
