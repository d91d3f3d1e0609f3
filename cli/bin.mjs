#!/usr/bin/env node
// The `phonon` executable: runs the compiled CLI from dist/ (built by `npm run setup`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../dist/cli/phonon.js", import.meta.url));
if (!existsSync(entry)) {
  console.error("phonon: not built yet: run `npm run setup` in the repository first");
  process.exit(1);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
