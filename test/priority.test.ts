//! Real-time priority of the render thread: `LiveEngine.info` says whether it was granted and why not; `phonon live` shows "rt" or "normal priority" and, when refused, one warning, and plays on (refusal forced with setpriv where it can be).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "phonon-priority-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `phonon live --sink null --no-tui` (behind `prefix`, a command that wraps it) for `ms`, then Ctrl-C. */
async function runLive(prefix: string[], ms: number): Promise<{ code: number | null; out: string }> {
  const file = join(dir, "rt.ph");
  writeFileSync(file, "out: sine 440 * 0.1\n");
  const argv = [...prefix, process.execPath, join(root, "cli", "bin.cjs"), "live", file, "--sink", "null", "--no-tui"];
  const proc = spawn(argv[0]!, argv.slice(1), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  await sleep(ms);
  proc.kill("SIGINT");
  return { code: await exited, out };
}

const warnings = (out: string): string[] => out.split("\n").filter((l) => /^\[warning\] .*real-time priority/.test(l));

// setpriv drops CAP_SYS_NICE from the bounding set, so a root run loses it at exec: with no
// rtprio limit the kernel must then refuse.
const rtprio = spawnSync("sh", ["-c", "ulimit -r"], { encoding: "utf8" }).stdout.trim();
const canForceRefusal =
  process.platform === "linux" && process.getuid?.() === 0 && rtprio === "0" && spawnSync("setpriv", ["--version"]).status === 0;
if (!canForceRefusal) console.warn("forced-refusal test skipped: needs Linux, root, setpriv and an rtprio limit of 0");

describe("real-time priority", () => {
  it("LiveEngine.info says whether the render thread is real-time, and why not when it is not", async () => {
    const { LiveEngine } = await import("../cli/engine.js");
    const engine = new LiveEngine({ sink: "null", periodFrames: 512 });
    try {
      const info = engine.info;
      expect(typeof info.realtime).toBe("boolean");
      if (info.realtime) {
        expect(info.priority).toMatch(/^SCHED_(FIFO|RR) \d+$/);
        expect(info.realtimeWarning).toBeNull();
      } else {
        expect(info.priority).toBe("normal");
        expect(info.realtimeWarning).toMatch(/real-time priority .*normal priority/);
      }
    } finally {
      engine.stop();
    }
  });

  it("`phonon live` shows rt or normal priority in its header, and one warning when refused", async () => {
    const { code, out } = await runLive([], 1200);
    expect(code, out).toBe(0);
    const header = out.split("\n").find((l) => l.startsWith("phonon live "));
    expect(header, out).toMatch(/, (rt \(SCHED_(FIFO|RR) \d+\)|normal priority)$/);
    expect(warnings(out).length, out).toBe(/normal priority$/.test(header!) ? 1 : 0);
    expect(out).toMatch(/\[reload\] v1 playing/);
  });

  it.skipIf(!canForceRefusal)("without CAP_SYS_NICE: refused with EPERM, one warning naming the cure, and it plays", async () => {
    const { code, out } = await runLive(["setpriv", "--bounding-set", "-sys_nice", "--inh-caps", "-sys_nice"], 2000);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^phonon live .*, normal priority$/m);
    const w = warnings(out);
    expect(w, out).toHaveLength(1);
    expect(w[0]).toMatch(/refused \(EPERM\): run with CAP_SYS_NICE or an rtprio limit in \/etc\/security\/limits\.conf/);
    expect(out).toMatch(/\[reload\] v1 playing/);
    expect(out).toMatch(/\[status\] v1 cycle/);
  });
});
