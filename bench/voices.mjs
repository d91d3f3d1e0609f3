#!/usr/bin/env node
// Per-voice dispatch overhead of synth and sample voices (issue target: ≤ 200 ns per voice per block), from the engine's own timing loops (`voice::synth::bench`, `voice::sample::bench`, built in release).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
console.log("per-voice cost: 512-frame blocks at 44.1 kHz, minimum of 7 runs each (cargo test --release, ignored benches)");
const r = spawnSync(
  "cargo",
  ["test", "--release", "--manifest-path", "engine-rs/Cargo.toml", "-p", "phonon-core", "--lib", "--", "voice::synth::bench", "voice::sample::bench", "--ignored", "--nocapture", "--test-threads=1"],
  { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
const lines = (r.stdout ?? "").split("\n").filter((l) => l.trim() && !/^(running|test |test result|ok$)/.test(l.trim()));
for (const l of lines) console.log(`  ${l}`);
if (r.status !== 0) console.log(`  (cargo exited with ${r.status})`);
console.log("target: ≤ 200 ns per voice per block beyond the template's own kernels");
