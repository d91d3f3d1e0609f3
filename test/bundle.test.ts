//! The CLI bundle (cli/bundle.cjs): `phonon` run through it answers as dist/'s modules do, and V8 takes its code cache under the shebang's flags.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./liveproc.js";

const require = createRequire(import.meta.url);
const bundle = require(join(root, "cli", "bundle.cjs")) as { bundleIsCurrent(): boolean; shebangFlags(): string[] };

/** Runs `phonon` through the bundle (bin.cjs) or through dist/'s ES modules. */
function phonon(via: "bundle" | "modules", args: string[]) {
  const argv =
    via === "bundle"
      ? [join(root, "cli", "bin.cjs"), ...args]
      : ["--input-type=module", "-e", `const { main } = await import(${JSON.stringify(join(root, "dist", "cli", "phonon.js"))}); process.exitCode = await main(${JSON.stringify(args)});`];
  return spawnSync(process.execPath, argv, { cwd: root, encoding: "utf8" });
}

describe("the CLI bundle", () => {
  it("is current after setup", () => {
    expect(bundle.bundleIsCurrent()).toBe(true);
  });

  it("checks, prints the IR of and renders every bundled pattern as dist/'s modules do", () => {
    const dir = mkdtempSync(join(tmpdir(), "phonon-bundle-"));
    for (const f of readdirSync(join(root, "patterns")).filter((p) => p.endsWith(".ph"))) {
      const file = join(root, "patterns", f);
      const ir = ["check", file, "--ir"];
      const a = phonon("bundle", ir);
      const b = phonon("modules", ir);
      expect(a.status, a.stderr).toBe(0);
      expect(a.stdout, f).toBe(b.stdout);
      // The same sound, byte for byte (a cycle each).
      const wav = (via: "bundle" | "modules") => {
        const out = join(dir, `${via}-${f}.wav`);
        const r = phonon(via, ["render", file, out, "--cycles", "1", "--threads", "1"]);
        expect(r.status, r.stderr).toBe(0);
        return readFileSync(out);
      };
      expect(wav("bundle").equals(wav("modules")), f).toBe(true);
    }
    // Four processes per pattern: seconds, more on a loaded machine.
  }, 120_000);

  it("an error is reported the same way (line, column, exit code 1)", () => {
    const bad = ["haps", "bd(3,"];
    const a = phonon("bundle", bad);
    const b = phonon("modules", bad);
    expect(a.status).toBe(1);
    expect(a.status).toBe(b.status);
    expect(a.stdout + a.stderr).toBe(b.stdout + b.stderr);
  });

  it("V8 accepts the code cache in a process started with the shebang's flags", () => {
    const flags = bundle.shebangFlags();
    expect(flags.length).toBeGreaterThan(0);
    const probe = `const { loadBundle } = require(${JSON.stringify(join(root, "cli", "bundle.cjs"))}); const { script } = loadBundle(); console.log(String(script.cachedDataRejected));`;
    // `-e` would be one of the process's flags (the cache's key), so the probe runs from a file.
    const file = join(mkdtempSync(join(tmpdir(), "phonon-probe-")), "probe.cjs");
    require("node:fs").writeFileSync(file, probe);
    const r = spawnSync(process.execPath, [...flags, file], { cwd: root, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    // `false`: a cache was given and taken (`undefined` would mean none was found).
    expect(r.stdout.trim()).toBe("false");
  });
});
