// The `phonon` CLI as one script with V8's code cache: built by `npm run setup`, loaded by cli/bin.cjs (`phonon check` of a six-line file: 159 → 108 ms against importing dist/'s ES modules).
//
// Why: every `phonon` command spent ~55 ms importing dist/'s ~80 ES modules (resolving, reading
// and compiling each one; measured with --cpu-prof) and ~25 ms more compiling the functions its
// first compile ran. One CommonJS bundle (esbuild; ohm-js inside it) removes the per-module
// cost, and a V8 code cache written after a warm-up run (checking and rendering the bundled
// patterns) holds the bytecode of every function that run compiled, so a command parses and
// compiles almost nothing. This file and bin.cjs are CommonJS because an ES module entry costs
// Node its ES module loader and a facade per built-in module it imports (~15 ms measured).
//
// V8 accepts a code cache only from the same V8 version, source and V8 flags, so the cache's
// file name carries the node version and the flags it was made with (the `phonon` shebang's);
// a process started with other flags (tests run `node cli/bin.cjs`) loads the bundle without a
// cache. The bundle stands for dist/cli/phonon.js: its `import.meta.url` is that file's URL
// (the addon, the grammars and live's compile worker are found from it; the worker still runs
// dist/cli/worker.js). A bundle older than the last TypeScript build (dist/.tsbuildinfo) is not
// used: bin.cjs then imports dist/ as modules.
"use strict";
const { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const vm = require("node:vm");

const root = join(__dirname, "..");
const dist = join(root, "dist");
const BUNDLE = join(dist, "phonon.cjs");
/** The module the bundle stands for. */
const ENTRY = join(dist, "cli", "phonon.js");
const BUILD_INFO = join(dist, ".tsbuildinfo");
const CACHES = join(dist, "code-cache");
/** The bundle is one function expression: the CommonJS wrapper, plus `import.meta.url` (esbuild writes it as __phonon_url). */
const WRAPPER_START = "(function (exports, require, module, __filename, __dirname, __phonon_url) {";
const WRAPPER_END = "\n})";

/** The V8 flags of the `phonon` executable's shebang line. */
function shebangFlags() {
  const line = readFileSync(join(__dirname, "bin.cjs"), "utf8").split("\n")[0];
  return line.split(/\s+/).filter((a) => a.startsWith("--"));
}

/** The code cache's path for a process with these V8 flags. */
function cachePath(flags) {
  const key = [process.version, ...flags].join(" ").replace(/[^A-Za-z0-9.=_-]+/g, "_");
  return join(CACHES, `phonon-${key}.cache`);
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : -1);

/** The bundle exists and is not older than the last TypeScript build. */
function bundleIsCurrent() {
  const b = mtime(BUNDLE);
  return b >= 0 && b >= mtime(BUILD_INFO);
}

/**
 * Compiles the bundle (with this process's code cache when there is one) and runs its top level.
 * Returns its exports and the compiled script (for `createCachedData`). Control thread.
 */
function loadBundle({ cache = true } = {}) {
  const source = readFileSync(BUNDLE, "utf8");
  const cacheFile = cachePath(process.execArgv);
  const cachedData = cache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(ENTRY), mod, BUNDLE, dist, pathToFileURL(ENTRY).href);
  return { exports: mod.exports, script };
}

/**
 * setup: bundles dist/cli/phonon.js into dist/phonon.cjs when the TypeScript build is newer (or
 * the cache for the shebang's flags is missing), then writes that cache from a warm-up run in a
 * child process. Returns what it did, or undefined when everything was current.
 */
async function buildBundle() {
  const flags = shebangFlags();
  if (bundleIsCurrent() && existsSync(cachePath(flags))) return undefined;
  const { build } = await import("esbuild");
  const t = Date.now();
  await build({
    entryPoints: [ENTRY],
    outfile: `${BUNDLE}.tmp`,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    // The terminal UI's library and the addon are loaded at run time, as from dist/.
    external: ["blessed", "*.node"],
    define: { "import.meta.url": "__phonon_url" },
    // The CommonJS wrapper is in the file, so V8 compiles the file's text as read (a wrapper
    // added by concatenation made V8 copy the whole source into a flat string), and without
    // comments the text is ASCII, one byte per character (UTF-8 comments made it two).
    banner: { js: WRAPPER_START },
    footer: { js: WRAPPER_END },
    minifyWhitespace: true,
    charset: "ascii",
    legalComments: "none",
    logLevel: "error",
  });
  renameSync(`${BUNDLE}.tmp`, BUNDLE);
  // Caches for another node version or other flags go with the old bundle.
  rmSync(CACHES, { recursive: true, force: true });
  mkdirSync(CACHES);
  const warm = require("node:child_process").spawnSync(process.execPath, [...flags, __filename, "--warm"], { cwd: root, encoding: "utf8" });
  if (warm.status !== 0) throw new Error(`warming the CLI bundle failed: ${(warm.stderr || warm.stdout).trim()}`);
  return `CLI bundle and its code cache written in ${((Date.now() - t) / 1000).toFixed(1)} s`;
}

/**
 * The warm-up (a child of `buildBundle`, with the shebang's flags): checks and renders (a cycle
 * each) every bundled pattern, then writes the code cache of everything that ran. Its output
 * goes to `buildBundle`, which shows it only if the warm-up fails.
 */
async function warmUp() {
  const { exports, script } = loadBundle({ cache: false });
  const patterns = readdirSync(join(root, "patterns"))
    .filter((f) => f.endsWith(".ph"))
    .map((f) => join(root, "patterns", f));
  const scratch = mkdtempSync(join(require("node:os").tmpdir(), "phonon-warm-"));
  try {
    for (const p of patterns) {
      await exports.main(["check", p]);
      await exports.main(["render", p, join(scratch, "warm.wav"), "--cycles", "1"]);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const out = cachePath(process.execArgv);
  writeFileSync(`${out}.tmp`, script.createCachedData());
  renameSync(`${out}.tmp`, out);
}

module.exports = { bundleIsCurrent, loadBundle, buildBundle, shebangFlags };

if (require.main === module && process.argv[2] === "--warm") {
  warmUp().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
