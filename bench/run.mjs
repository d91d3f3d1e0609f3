#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ in turn; each prints its own figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
for (const f of readdirSync(here).filter((f) => f.endsWith(".mjs") && f !== "run.mjs").sort()) {
  console.log(`\n== bench/${f} ==`);
  // A larger stack for the parser: the P1 bank is one 1,024-term sum (7.8 MB stays under Linux's
  // default 8 MiB thread stack, so an overflow is an error, not a crash).
  spawnSync(process.execPath, ["--stack-size=7800", join(here, f)], { stdio: "inherit" });
}
