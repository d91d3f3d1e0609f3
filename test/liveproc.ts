//! A running `phonon live --sink null` for tests: its output lines with arrival times, waiting for a line, stopping with a signal.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

export class LiveProc {
  readonly lines: { at: number; text: string }[] = [];
  readonly proc: ChildProcess;
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.proc = spawn(process.execPath, [join(root, "cli", "bin.cjs"), "live", ...args, "--sink", "null", "--no-tui"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    let buf = "";
    const take = (d: Buffer): void => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        this.lines.push({ at: Date.now(), text: buf.slice(0, i) });
        buf = buf.slice(i + 1);
      }
      this.waiters.forEach((w) => w());
    };
    this.proc.stdout!.on("data", take);
    this.proc.stderr!.on("data", take);
    this.exited = new Promise((done) => this.proc.on("exit", (code) => done(code)));
  }

  text(): string {
    return this.lines.map((l) => l.text).join("\n");
  }

  /** The first line matching `re` at or after line index `from`. */
  async waitFor(re: RegExp, from = 0, timeoutMs = 5000): Promise<{ at: number; text: string; index: number; match: RegExpMatchArray }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) {
        const m = this.lines[i]!.text.match(re);
        if (m) return { ...this.lines[i]!, index: i, match: m };
      }
      if (Date.now() > deadline) throw new Error(`no line matching ${re} in:\n${this.text()}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
      this.waiters = [];
    }
  }

  /** SIGINT, then the exit code. */
  async stop(signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
    this.proc.kill(signal);
    return await this.exited;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
