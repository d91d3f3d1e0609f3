#!/usr/bin/env -S node --max-semi-space-size=2
// The `phonon` executable: runs the compiled CLI from dist/ (built by `npm run setup`).
// A 2 MB young generation (Node's default grows to 16 MB): the CLI compiles once and hands the
// sound to the engine, so a small nursery keeps peak memory down (P1 N=1024: 84 → 76 MB) at no
// cost in CPU (measured with /usr/bin/time over the peer patches).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../dist/cli/phonon.js", import.meta.url));
if (!existsSync(entry)) {
  console.error("phonon: not built yet: run `npm run setup` in the repository first");
  process.exit(1);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
