#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=2 --interrupt-budget=540672
// The `phonon` executable: runs the CLI from dist/ (built by `npm run setup`), as one bundled script with its code cache when that is current (cli/bundle.cjs).
// A 2 MB young generation (Node's default grows to 16 MB): the CLI compiles once and hands the
// sound to the engine, so a small nursery keeps peak memory down (P1 N=1024: 84 → 76 MB) at no
// cost in CPU (measured with /usr/bin/time over the peer patches). NODE_EXTRA_CA_CERTS is unset:
// Node parses that certificate file at start-up, before any script runs (36 ms of a 55 ms start
// where it names the system bundle, as on the machines this was measured on), and `phonon`
// makes no TLS connection. An 8× interrupt budget (V8's default is 67584) makes V8 optimize a
// function after 8 times the work: a short command ends before optimizing compiles compete
// with the render workers for the cores (P3 R=256, 60 s, 2 threads: 308 → 292 ms), and a long
// render reaches optimized code all the same (20 s of stress_extreme.ph: 2179 → 2182 ms; all
// minimums of alternating runs). CommonJS, as bundle.cjs says.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { bundleIsCurrent, loadBundle } = require("./bundle.cjs");

const entry = join(__dirname, "..", "dist", "cli", "phonon.js");
if (!existsSync(entry)) {
  console.error("phonon: not built yet: run `npm run setup` in the repository first");
  process.exit(1);
}
const run = async () => {
  const { main } = bundleIsCurrent() ? loadBundle().exports : await import(entry);
  const argv = process.argv.slice(2);
  const code = await main(argv);
  // A render leaves nothing behind (its WAV is closed, its report written synchronously):
  // exiting at once skips tearing down Node's heap (a few ms, measured).
  if (argv[0] === "render") process.exit(code);
  process.exitCode = code;
};
run();
