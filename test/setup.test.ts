//! `npm run setup` on a fresh clone leaves `git status` empty (issue 15): dependencies come from `npm ci` (or `npm install --no-save`), which never rewrite package-lock.json.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./liveproc.js";

const setup = readFileSync(join(root, "cli", "setup.mjs"), "utf8");

describe("npm run setup", () => {
  it("installs with `npm ci`, and its fallback is `npm install --no-save`: neither writes package-lock.json", () => {
    const calls = [...setup.matchAll(/run\("npm", \[([^\]]*)\]/g)].map((m) => m[1]!);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[0]).toMatch(/^"ci"/);
    for (const c of calls) expect(c, c).toMatch(/^"ci"|^"install", "--no-save"/);
  });

  // A real fresh clone: `git clone` of this repository's HEAD, `npm run setup`, `git status`.
  // Slow (npm ci, tsc, and the addon unless the one built here matches the clone's sources), so
  // it runs in CI or with PHONON_SETUP_TEST=1.
  it.runIf(Boolean(process.env.CI || process.env.PHONON_SETUP_TEST))(
    "a fresh clone's `npm run setup` leaves `git status --porcelain` empty",
    () => {
      const clone = join(mkdtempSync(join(tmpdir(), "phonon-clone-")), "phonon");
      const git = (...args: string[]) => spawnSync("git", args, { cwd: clone, encoding: "utf8" });
      expect(spawnSync("git", ["clone", "-q", root, clone]).status).toBe(0);
      // The addon built here serves the clone when its sources are the same (setup checks the hash).
      const node = join(root, "engine-rs", "node");
      if (existsSync(join(node, "phonon.node")) && existsSync(join(node, ".source-hash"))) {
        copyFileSync(join(node, "phonon.node"), join(clone, "engine-rs", "node", "phonon.node"));
        copyFileSync(join(node, ".source-hash"), join(clone, "engine-rs", "node", ".source-hash"));
      }
      const r = spawnSync("npm", ["run", "setup"], {
        cwd: clone,
        encoding: "utf8",
        env: { ...process.env, CARGO_TARGET_DIR: join(root, "engine-rs", "target"), npm_config_prefer_offline: "true" },
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      // The copied addon files are ignored build outputs, like node_modules and dist.
      expect(git("status", "--porcelain").stdout).toBe("");
    },
    600_000,
  );
});
