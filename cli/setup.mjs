#!/usr/bin/env node
// `npm run setup`: installs what is missing (Debian packages, npm deps), rebuilds the Rust addon when its sources changed, compiles the TypeScript. Idempotent.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const t0 = Date.now();
const say = (msg) => console.log(`setup: ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`\`${cmd} ${args.join(" ")}\` failed with exit code ${r.status}`);
}
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

function fail(msg) {
  console.error(`setup: error: ${msg}`);
  process.exit(1);
}

// 1. Toolchains.
const [major] = process.versions.node.split(".").map(Number);
if (major < 20) fail(`Node ${process.versions.node} is too old: Phonon needs Node 20 or newer`);
if (!has("cargo")) fail("cargo (Rust) is not installed: install Rust 1.80 or newer (https://rustup.rs) and run `npm run setup` again");

// 2. Debian packages the engine's audio output builds against (ALSA headers, pkg-config).
const debs = ["libasound2-dev", "pkg-config"];
if (has("dpkg-query")) {
  const missing = debs.filter(
    (p) => !/install ok installed/.test(spawnSync("dpkg-query", ["-W", "-f=${Status}", p], { encoding: "utf8" }).stdout ?? ""),
  );
  if (missing.length) {
    const isRoot = process.getuid?.() === 0;
    if (isRoot && has("apt-get")) {
      say(`installing Debian packages: ${missing.join(" ")}`);
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      run("apt-get", ["update", "-qq"], { env });
      run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env });
    } else {
      console.warn(`setup: warning: missing Debian packages ${missing.join(" ")}; install them with: sudo apt-get install ${missing.join(" ")}`);
    }
  }
}

// 3. npm dependencies, when package-lock.json changed since the last install.
const lockHash = createHash("sha256").update(readFileSync(join(root, "package-lock.json"))).digest("hex");
const stamp = join(root, "node_modules", ".phonon-lock-hash");
if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lockHash) {
  // `npm ci`: exactly the locked versions, and package-lock.json is never rewritten, so a fresh
  // clone's tree stays clean (`npm install` may add or drop optional per-platform entries, as
  // npm versions differ on them). If the lock does not match package.json (someone edited the
  // dependencies), `npm install --no-save` installs without touching the lock; run
  // `npm install` yourself to update it on purpose.
  say("installing npm dependencies (npm ci)");
  const flags = ["--no-audit", "--no-fund", "--loglevel=error"];
  try {
    run("npm", ["ci", ...flags]);
  } catch (e) {
    console.warn(`setup: warning: ${e.message}; installing with \`npm install --no-save\` instead (package-lock.json is left as it is)`);
    run("npm", ["install", "--no-save", ...flags]);
  }
  writeFileSync(stamp, lockHash);
}

// 4. The Rust addon, when any of its sources changed.
function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === "target" || name.endsWith(".node") || name === "index.d.ts" || name.startsWith(".")) continue;
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else out.push(p);
  }
  return out;
}
const engineDir = join(root, "engine-rs");
const h = createHash("sha256");
for (const f of sourceFiles(engineDir)) h.update(relative(engineDir, f)).update("\0").update(readFileSync(f)).update("\0");
const srcHash = h.digest("hex");
const addon = join(engineDir, "node", "phonon.node");
const addonStamp = join(engineDir, "node", ".source-hash");
if (!existsSync(addon) || !existsSync(addonStamp) || readFileSync(addonStamp, "utf8") !== srcHash) {
  say("building the Rust engine addon (release); the first build takes a minute or two");
  const t = Date.now();
  run(join(root, "node_modules", ".bin", "napi"), [
    "build",
    "--release",
    "--manifest-path",
    "engine-rs/node/Cargo.toml",
    "--package-json-path",
    "package.json",
    "--output-dir",
    "engine-rs/node",
    "--no-dts-header",
    "--dts",
    "index.d.ts",
  ]);
  writeFileSync(addonStamp, srcHash);
  say(`addon built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

// 4b. The language's copy of the engine's kind declarations (language/kinds.ts), when they changed.
if ((await import("./kinds.mjs")).writeKinds(addon)) say("language/kinds.ts regenerated from the engine's kind declarations: commit it with the engine change");

// 5. TypeScript → dist/ (incremental: quick when nothing changed).
run(join(root, "node_modules", ".bin", "tsc"), ["-p", "."]);

// 6. The CLI as one script with V8's code cache (cli/bundle.cjs), when the TypeScript build is newer.
const bundled = await (await import("./bundle.cjs")).default.buildBundle();
if (bundled) say(bundled);

say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; try: npx phonon render patterns/beat.ph out/beat.wav`);
