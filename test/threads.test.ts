//! `--threads`: every bundled pattern, the stress patches of ../shared/bench and the peer patches render the same bytes with 1, 2 and 8 threads; bad counts get a clear error.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the bench, without types.
import { events, sineBank, subtractive } from "../bench/peers/patches.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "phonon-threads-"));
const stress = join(root, "..", "shared", "bench");
if (!existsSync(stress)) console.warn(`threads test: the stress patches are skipped: ${stress} is absent (it comes with ../shared)`);

/** [label, file, length options]. */
const cases: [string, string, string[]][] = [
  ...readdirSync(join(root, "patterns"))
    .filter((f) => f.endsWith(".ph"))
    .sort()
    .map((f): [string, string, string[]] => [f, join(root, "patterns", f), ["--cycles", "2"]]),
  ...(existsSync(stress) ? readdirSync(stress).filter((f) => f.endsWith(".ph")).sort() : []).map(
    (f): [string, string, string[]] => [`bench/${f}`, join(stress, f), ["--seconds", "2"]],
  ),
  ...(
    [
      ["P1 N=256", (sineBank as (n: number) => string)(256)],
      ["P2n N=64", (subtractive as (n: number, level: number) => string)(64, 0.25)],
      ["P3 R=256", (events as (rate: number, pool: number, level: number) => string)(256, 128, 0.25)],
    ] as [string, string][]
  ).map(([label, text]): [string, string, string[]] => {
    const file = join(dir, `${label.replace(/[^A-Za-z0-9]/g, "_")}.ph`);
    writeFileSync(file, text);
    return [label, file, ["--seconds", "2"]];
  }),
];

function render(file: string, out: string, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), "render", file, out, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("threads", () => {
  // Bound: 0. Work items write disjoint buffers and long sums and voice groups are added in a
  // fixed order whatever runs them (engine-rs/core/src/executor.rs, voice/pool.rs), so any
  // thread count computes the same values.
  it.each(cases)("%s renders the same bytes with 1, 2 and 8 threads", (label, file, length) => {
    const outs = [1, 2, 8].map((t) => {
      const out = join(dir, `${label.replace(/[^A-Za-z0-9]/g, "_")}.${t}.wav`);
      const r = render(file, out, [...length, "--threads", String(t)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${t} thread${t === 1 ? "" : "s"}`);
      return readFileSync(out);
    });
    expect(outs[0]!.length).toBeGreaterThan(44);
    expect(outs[1]!.equals(outs[0]!), `${label}: 2 threads differ`).toBe(true);
    expect(outs[2]!.equals(outs[0]!), `${label}: 8 threads differ`).toBe(true);
    // Three renders of a few seconds each: generous, so a loaded machine is slow, not failing.
  }, 120_000);

  it.each([
    [["--threads", "0"], {}, /--threads: threads must be between 1 and 64, not 0; try --threads \d+/],
    [["--threads", "two"], {}, /--threads: threads must be a whole number, not 'two'/],
    [["--threads", "1.5"], {}, /--threads: threads must be a whole number, not '1.5'/],
    [["--threads", "65"], {}, /--threads: threads must be between 1 and 64, not 65/],
    [[], { PHONON_THREADS: "lots" }, /PHONON_THREADS: threads must be a whole number, not 'lots'/],
  ] as [string[], Record<string, string>, RegExp][])("%j %j is refused with a clear error", (args, env, message) => {
    const r = render(join(root, "patterns", "sine.ph"), join(dir, "refused.wav"), ["--cycles", "1", ...args], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, "refused.wav"))).toBe(false);
  });
});
