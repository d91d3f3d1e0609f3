#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ in turn; each prints its own figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
for (const f of readdirSync(here).filter((f) => f.endsWith(".mjs") && f !== "run.mjs").sort()) {
  console.log(`\n== bench/${f} ==`);
  spawnSync(process.execPath, [join(here, f)], { stdio: "inherit" });
}
