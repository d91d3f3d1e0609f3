//! Issue 15 in `phonon live`: an event field that is not finite does not kill it (`note "1e8"`), a tick never throws, flushed NaN/Inf are reported once when they start.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LiveEngine, LiveStats } from "../cli/engine.js";
import { Session } from "../cli/live.js";
import { NonfiniteWatch, QUIET_MS } from "../cli/nonfinite.js";
import type { Ui } from "../cli/status.js";
import { LiveProc, sleep } from "./liveproc.js";
import { readWav } from "./wav.js";

const dir = mkdtempSync(join(tmpdir(), "phonon-live-faults-"));

describe("live: bad event fields", () => {
  it('`~k: saw 220` + `o2: s "~k*2" # note "1e8"`: live keeps playing, warns once with the line, and loads the fixed version', async () => {
    const file = join(dir, "note.ph");
    const rec = join(dir, "note.wav");
    writeFileSync(file, 'out: sine 330 * 0.2\n~k: saw 220\no2: s "~k*2" # note "1e8"\n');
    const live = new LiveProc([file, "--sample-rate", "48000", "--record", rec]);
    try {
      await live.waitFor(/\[reload\] v1 /);
      await sleep(2500);
      expect(live.proc.exitCode).toBeNull();
      const warnings = live.lines.filter((l) => /line 3 gives an event whose pitch ratio .* Infinity/.test(l.text));
      expect(warnings, live.text()).toHaveLength(1);
      const from = live.lines.length;
      writeFileSync(file, 'out: sine 330 * 0.2\n~k: saw 220\no2: s "~k*2" # note "12"\n');
      await live.waitFor(/\[reload\] v2 /, from);
      await sleep(300);
      expect(await live.stop()).toBe(0);
      const x = readWav(rec).data[0]!;
      expect(x.every((v) => Number.isFinite(v))).toBe(true);
    } finally {
      live.proc.kill("SIGKILL");
    }
  }, 20000);
});

/** A LiveEngine stand-in whose pushEvents always throws. */
function refusingEngine(): { engine: LiveEngine; pushes: () => number } {
  let pushes = 0;
  let frame = 0;
  const engine = {
    info: { sampleRate: 48000, blockFrames: 512, samples: { roots: [], loaded: 0, names: 0, warnings: [] } },
    rendered: () => frame,
    stats: () => ({ live: { swaps: 0 } }) as unknown as LiveStats,
    load: () => ({ nodes: 1, stages: 1, lanes: 1, outputs: 1 }),
    sampleId: () => 1,
    pushEvents: () => {
      pushes++;
      throw new Error("invalid event batch: a test refusal");
    },
    advance: (n: number) => (frame += n),
  };
  return { engine: engine as unknown as LiveEngine, pushes: () => pushes };
}

function recordingUi(): Ui & { warnings: string[]; errors: (string | undefined)[] } {
  const warnings: string[] = [];
  const errors: (string | undefined)[] = [];
  return {
    interval: 1000,
    warnings,
    errors,
    status: () => {},
    reloaded: () => {},
    error: (t) => errors.push(t),
    warn: (m) => warnings.push(m),
    onKey: () => {},
    close: () => {},
  };
}

describe("Session.tick", () => {
  it("never throws when the engine refuses a batch: it warns once and keeps scheduling", async () => {
    const { engine, pushes } = refusingEngine();
    const ui = recordingUi();
    // The built Session: its pattern thread runs `dist/cli/worker.js`, next to the built file.
    const built = (await import(new URL("../dist/cli/live.js", import.meta.url).href)) as { Session: typeof Session };
    const session = new built.Session(engine, "t.ph", ui);
    try {
      session.apply('tempo: 1\nout: s "bd*4"\n', Date.now());
      // The pattern thread compiles, then answers windows as the render position moves on.
      const until = Date.now() + 10000;
      while (pushes() < 5 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
        (engine as unknown as { advance(n: number): void }).advance(4800);
        expect(() => session.tick()).not.toThrow();
      }
      expect(pushes()).toBeGreaterThanOrEqual(5);
      expect(ui.warnings.filter((w) => /could not be scheduled/.test(w))).toHaveLength(1);
    } finally {
      session.close();
    }
  }, 20000);
});

describe("flushed NaN/Inf in live", () => {
  it("one warning when flushing starts, none while it goes on, one again after 10 s of quiet", () => {
    const w = new NonfiniteWatch();
    expect(w.check(0, 0)).toBeUndefined();
    expect(w.check(512, 1000)).toMatch(/NaN\/Inf samples are being flushed to 0 \(512 so far\)/);
    for (let t = 2000; t < 20000; t += 1000) expect(w.check(512 * t, t)).toBeUndefined();
    const last = 512 * 19000;
    expect(w.check(last, 20000 + QUIET_MS - 1000)).toBeUndefined();
    expect(w.check(last, 19000 + QUIET_MS)).toBeUndefined();
    expect(w.check(last + 1, 19000 + QUIET_MS + 1000)).toMatch(/flushed to 0/);
  });

  it("a runaway feedback bus in `phonon live`: one warning, while the status goes on", async () => {
    const file = join(dir, "feedback.ph");
    writeFileSync(file, "~fb: ~fb * 4 + sine 440\nout: ~fb\n");
    const live = new LiveProc([file]);
    try {
      await live.waitFor(/\[reload\] v1 /);
      await live.waitFor(/\[warning\] NaN\/Inf samples are being flushed to 0/, 0, 5000);
      await sleep(2500);
      expect(live.lines.filter((l) => /flushed to 0/.test(l.text))).toHaveLength(1);
      expect(live.lines.filter((l) => /\[status\]/.test(l.text)).length).toBeGreaterThanOrEqual(2);
      expect(await live.stop()).toBe(0);
    } finally {
      live.proc.kill("SIGKILL");
    }
  }, 20000);
});

describe("a node whose kernel panicked (the engine silences it: engine-rs/core/tests/fault.rs)", () => {
  it("is named by kind and source line, once per new fault", async () => {
    const { compile } = await import("../language/compile/lower.js");
    const { FaultWatch } = await import("../cli/fault.js");
    const ir = compile("out: saw 55 # lpf 800\n\no2: sine 440 * 0.1").ir!;
    const lpf = ir.nodes.find((n) => n.kind === "lpf")!;
    const watch = new FaultWatch();
    expect(watch.check(0, -1, ir, "a.ph")).toBeUndefined();
    const w = watch.check(1, lpf.id, ir, "a.ph")!;
    expect(w).toContain(`\`lpf\` at a.ph:1:${lpf.loc.col}`);
    expect(w).toContain("everything else plays on");
    expect(watch.check(1, lpf.id, ir, "a.ph")).toBeUndefined();
    expect(watch.check(2, lpf.id, ir, "a.ph")).toContain("(2 nodes so far)");
  });
});
