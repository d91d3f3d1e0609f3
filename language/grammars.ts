//! The .ohm grammars, loaded from a recipe cached under dist/ when one matches the grammar's text (building a grammar from its source costs ~100 ms per process; a recipe ~2 ms).
import type * as Ohm from "ohm-js";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * ohm-js through its single-file CommonJS build: loading its ES module build resolves, reads and
 * compiles about 50 files (25 ms of every `phonon` command's start, measured with
 * `--cpu-prof`); the bundle takes 10 ms. Both are the same release of the same code. In the
 * CLI's CommonJS bundle (cli/bundle.cjs) `require` exists and esbuild bundles this call, so
 * ohm-js is compiled with the rest and held in the code cache; as an ES module (tests, live's
 * compile worker) `require` is not defined and Node's `createRequire` loads it.
 */
const ohm = (typeof require === "function" ? require("ohm-js") : createRequire(import.meta.url)("ohm-js")) as typeof Ohm;

/** What ohm-js exports but its type declarations leave out: a grammar's recipe and back. */
interface Recipes {
  makeRecipe(recipe: unknown): Ohm.Grammar;
}
type WithRecipe = Ohm.Grammar & { toRecipe(): string };

/**
 * The grammar in `language/grammar/<name>`. Its recipe (ohm's serialized form) is kept in
 * `dist/grammar-cache/<name>-<hash of the text>.json`: a changed grammar gets a new file, so a
 * stale recipe is never used. If the cache cannot be read or written (a read-only install), the
 * grammar is built from its source. Control thread.
 */
export function loadGrammar(name: string): Ohm.Grammar {
  // Compiled code lives under dist/ (dist/language/grammars.js, or the CLI bundle standing for
  // dist/cli/phonon.js); the grammar files stay in language/grammar/.
  const here = fileURLToPath(import.meta.url);
  const compiled = here.lastIndexOf("/dist/");
  const root = compiled >= 0 ? here.slice(0, compiled) : dirname(dirname(here));
  const source = readFileSync(join(root, "language", "grammar", name), "utf8");
  const hash = fnv1a(`${ohm.version}\0${source}`);
  const cache = join(root, "dist", "grammar-cache", `${name}-${hash}.json`);
  if (compiled >= 0 && existsSync(cache)) {
    try {
      return (ohm as unknown as Recipes).makeRecipe(JSON.parse(readFileSync(cache, "utf8")));
    } catch {
      // A damaged cache file: fall through and rebuild it.
    }
  }
  const grammar = ohm.grammar(source);
  if (compiled >= 0) {
    try {
      mkdirSync(dirname(cache), { recursive: true });
      writeFileSync(cache, (grammar as WithRecipe).toRecipe());
    } catch {
      // Not writable: build from source each time.
    }
  }
  return grammar;
}

/**
 * Two 32-bit FNV-1a hashes (different offset bases) of a string's UTF-16 code units, as 16 hex
 * digits: names a recipe by its grammar's text. Not for security, only to tell grammars apart
 * (Node's crypto module costs every command ~5 ms to load).
 */
function fnv1a(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
