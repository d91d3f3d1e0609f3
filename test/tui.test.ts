//! The terminal UI of `phonon live`, driven in tmux: panels, the error panel, and the keys h (hush), space (pause), q (quit). Skips, visibly, without tmux.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) console.warn("TUI test skipped: tmux is not installed");

const session = `phonon-tui-${process.pid}`;
const tmux = (...args: string[]) => spawnSync("tmux", args, { encoding: "utf8" });
const screen = (): string => tmux("capture-pane", "-p", "-t", session).stdout;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: (s: string) => boolean, ms = 5000): Promise<string> {
  const end = Date.now() + ms;
  let s = screen();
  while (!pred(s) && Date.now() < end) {
    await sleep(100);
    s = screen();
  }
  return s;
}

describe.skipIf(!hasTmux)("phonon live TUI", () => {
  it("shows its panels, the error with its position, and obeys h, space and q", async () => {
    const dir = mkdtempSync(join(tmpdir(), "phonon-tui-"));
    const file = join(dir, "tui.ph");
    writeFileSync(file, 'tempo: 1\nout: s "bd*4" * 0.5 + sine 220 * 0.1\n');
    const cmd = `${process.execPath} ${join(root, "cli", "bin.cjs")} live ${file} --sink null`;
    expect(tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd).status).toBe(0);
    try {
      let s = await until((t) => /reloaded .* in \d+ ms/.test(t));
      for (const panel of [" phonon live ", " clock ", " sink ", " engine ", " output ", " error ", " messages "]) expect(s).toContain(panel);
      expect(s).toContain("null sink");
      expect(s).toMatch(/cycle \d+\.\d\d/);
      expect(s).toMatch(/1 cps = 60\.0 bpm/);
      expect(s).toContain("no errors");
      expect(s).toMatch(/q quit\s+h hush\s+p panic\s+r reload\s+space pause/);

      writeFileSync(file, 'tempo: 1\nout: s "bd*4" * (0.5\n');
      s = await until((t) => t.includes("keeping the last good program"));
      expect(s).toMatch(/tui\.ph:2:\d+: error/);
      writeFileSync(file, 'tempo: 1\nout: s "bd*4" * 0.5\n');
      s = await until((t) => t.includes("no errors") && / v2 /.test(t));
      expect(s).toContain("no errors");

      tmux("send-keys", "-t", session, "p");
      s = await until((t) => t.includes("panic: every voice and tail silenced"));
      expect(s).toContain("panic: every voice and tail silenced");

      tmux("send-keys", "-t", session, "h");
      s = await until((t) => t.includes("HUSHED"));
      expect(s).toContain("HUSHED");
      tmux("send-keys", "-t", session, "Space");
      s = await until((t) => t.includes("PAUSED"));
      expect(s).toContain("PAUSED");
      const cycle = (t: string) => Number(/cycle (\d+\.\d\d)/.exec(t)?.[1]);
      const c1 = cycle(s);
      await sleep(600);
      expect(cycle(screen())).toBe(c1); // the clock stands still while paused

      tmux("send-keys", "-t", session, "q");
      const end = Date.now() + 5000;
      while (tmux("has-session", "-t", session).status === 0 && Date.now() < end) await sleep(100);
      expect(tmux("has-session", "-t", session).status).not.toBe(0);
    } finally {
      tmux("kill-session", "-t", session);
    }
  }, 30000);
});
