//! The terminal UI of `phonon live` (blessed): program and reload latency, clock, sink, block load against the budget, meters with a clip light, the current error, recent messages, keys.
import blessed from "blessed";
import type { LiveInfo, LiveStats, ProfileRow } from "./engine.js";
import { type SessionView, type Ui, dB, load, priorityLabel } from "./status.js";

const WIDTH = 30;

function bar(fraction: number, width = WIDTH): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

/** A peak meter from −60 to 0 dBFS. */
function meter(peak: number): string {
  const db = peak > 0 ? 20 * Math.log10(peak) : -120;
  return bar((db + 60) / 60);
}

export async function tui(file: string, info: LiveInfo): Promise<Ui> {
  const screen = blessed.screen({ smartCSR: true, title: `phonon live ${file}`, fullUnicode: true });
  const box = (opts: blessed.Widgets.BoxOptions): blessed.Widgets.BoxElement =>
    blessed.box({ parent: screen, tags: true, border: { type: "line" }, ...opts });
  const head = box({ top: 0, left: 0, width: "100%", height: 3, label: " phonon live " });
  const clock = box({ top: 3, left: 0, width: "50%", height: 5, label: " clock " });
  const sink = box({ top: 3, left: "50%", width: "50%", height: 5, label: " sink " });
  const engine = box({ top: 8, left: 0, width: "50%", height: 6, label: " engine " });
  const levels = box({ top: 8, left: "50%", width: "50%", height: 6, label: " output " });
  const error = box({ top: 14, left: 0, width: "100%", height: 8, label: " error ", scrollable: true });
  const profile = box({ top: 14, left: "50%", width: "50%", height: 8, label: " slowest nodes (PROFILE_DETAILED) ", hidden: true });
  const log = blessed.log({
    parent: screen,
    top: 22,
    left: 0,
    width: "100%",
    bottom: 1,
    label: " messages ",
    tags: false,
    border: { type: "line" },
    scrollback: 200,
  });
  blessed.box({
    parent: screen,
    bottom: 0,
    left: 0,
    width: "100%",
    height: 1,
    tags: true,
    content: " {bold}q{/bold} quit  {bold}h{/bold} hush  {bold}p{/bold} panic  {bold}r{/bold} reload  {bold}space{/bold} pause",
  });
  const ms = ((info.periodFrames / info.sampleRate) * 1000).toFixed(1);
  sink.setContent(
    `${info.sink === "device" ? "device" : "{yellow-fg}null sink{/yellow-fg}"}: ${blessed.escape(info.device)}\n${info.sampleRate} Hz, ${info.channels} ch\nperiod ${info.periodFrames} frames (${ms} ms), block ${info.blockFrames}, ${info.threads} thread${info.threads === 1 ? "" : "s"}`,
  );
  const priority = info.realtime ? `{green-fg}${priorityLabel(info)}{/green-fg}` : `{yellow-fg}${priorityLabel(info)}{/yellow-fg}`;
  let lastReload = "no program yet";
  let clipUntil = 0;
  error.setContent("{green-fg}no errors{/green-fg}");
  screen.render();

  const time = (): string => new Date().toTimeString().slice(0, 8);
  return {
    interval: 100,
    status(s: SessionView, stats: LiveStats, top: ProfileRow[]) {
      const r = stats.render;
      const cps = s.program?.ir.cps ?? 0;
      const state = [s.paused ? "{yellow-fg}PAUSED{/yellow-fg}" : "", s.hushed ? "{yellow-fg}HUSHED{/yellow-fg}" : "", s.missing ? "{red-fg}FILE MISSING{/red-fg}" : ""]
        .filter(Boolean)
        .join(" ");
      head.setContent(`${blessed.escape(file)}  v${s.version}  ${priority}  ${lastReload}  ${state}`);
      clock.setContent(`cycle {bold}${s.cycle().toFixed(2)}{/bold}\n${cps} cps = ${(cps * 60).toFixed(1)} bpm\nlookahead ${s.lookaheadMs().toFixed(0)} ms`);
      const l = load(stats, info);
      engine.setContent(
        `load  ${bar(l.p50)} ${(l.p50 * 100).toFixed(1)}% avg\n      ${bar(l.p99)} ${(l.p99 * 100).toFixed(1)}% p99\nxruns ${stats.live.underruns + r.overBudgetBlocks}  ${r.lateEvents ? `{red-fg}late events ${r.lateEvents}{/red-fg}` : "late events 0"}  voices ${r.voices} (peak ${r.voicesPeak})`,
      );
      const peak = r.meterPeak;
      const rms = r.meterRms;
      if (Math.max(peak[0], peak[1]) >= 0.891 || r.limiterFrames > 0) clipUntil = Date.now() + 1000;
      const clip = Date.now() < clipUntil ? "{red-bg} CLIP {/red-bg}" : "{green-fg} ok {/green-fg}";
      if (top.length) {
        error.width = "50%";
        profile.show();
        profile.setContent(top.slice(0, 6).map((t) => `${t.kind}#${t.id}`.padEnd(18) + `${t.meanUs.toFixed(1).padStart(7)} µs  max ${t.maxUs.toFixed(0)} µs`).join("\n"));
      }
      levels.setContent(
        `L ${meter(peak[0])} ${dB(peak[0])} dB\nR ${meter(peak[1])} ${dB(peak[1])} dB\nrms ${dB(rms[0])} / ${dB(rms[1])} dBFS  ${clip}`,
      );
      screen.render();
    },
    reloaded(version, latency) {
      lastReload = `reloaded ${time()} in ${latency} ms`;
      log.log(`${time()} v${version} playing (save-to-sound ${latency} ms)`);
      screen.render();
    },
    error(text) {
      if (text) {
        error.setContent(`{red-fg}keeping the last good program{/red-fg}\n${blessed.escape(text)}`);
        log.log(`${time()} error: ${text.split("\n")[0]}`);
      } else error.setContent("{green-fg}no errors{/green-fg}");
      screen.render();
    },
    warn(message) {
      log.log(`${time()} ${message}`);
      screen.render();
    },
    onKey(handler) {
      screen.key(["q", "C-c"], () => handler("q"));
      screen.key(["h"], () => handler("h"));
      screen.key(["p"], () => handler("p"));
      screen.key(["r"], () => handler("r"));
      screen.key(["space"], () => handler("space"));
    },
    close() {
      screen.destroy();
    },
  };
}
