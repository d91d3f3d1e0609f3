// Writes `language/kinds.ts`, the language's copy of the engine's kind declarations, from the built addon's `kindSpecs()`; `npm run setup` runs it after building the addon.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const KINDS_FILE = join(root, "language", "kinds.ts");

/** The text of `language/kinds.ts` for the engine's `kindSpecs()` JSON. */
export function kindsSource(json) {
  const kinds = JSON.parse(json);
  const rows = kinds.map((k) => `  ${JSON.stringify(k.name)}: ${JSON.stringify(k)},`);
  return `//! The engine's node kinds (ports, units, ranges, defaults, structural data, channels, docs), generated from engine-rs/core/src/kernels by \`node cli/kinds.mjs\` (run by \`npm run setup\`): do not edit.

/** One input port of a kind. */
export interface KindPort {
  name: string;
  /** Used when the param is absent; null: required. */
  default: number | null;
  /** Takes both channels of a stereo source. */
  stereo: boolean;
  unit: string;
  /** The range the kernel clamps to, if it has one. */
  range: [number, number] | null;
}

/** A structural field of a node's data (part of its key). */
export interface KindData {
  name: string;
  doc: string;
}

/** Everything the engine declares about a node kind. */
export interface Kind {
  name: string;
  doc: string;
  ports: KindPort[];
  data: KindData[];
  channels: "mono" | "stereo" | "followInputs";
  triggers: boolean;
}

/** Every kind the engine implements, by name. */
export const KINDS: Readonly<Record<string, Kind>> = {
${rows.join("\n")}
};
`;
}

/** Regenerates the file from the addon at `addonPath`; returns whether it changed. */
export function writeKinds(addonPath) {
  const native = createRequire(import.meta.url)(addonPath);
  const text = kindsSource(native.kindSpecs());
  const old = existsSync(KINDS_FILE) ? readFileSync(KINDS_FILE, "utf8") : "";
  if (old === text) return false;
  writeFileSync(KINDS_FILE, text);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const changed = writeKinds(join(root, "engine-rs", "node", "phonon.node"));
  console.log(changed ? "language/kinds.ts regenerated from the engine" : "language/kinds.ts is current");
}
