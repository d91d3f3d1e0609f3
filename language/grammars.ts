//! The .ohm grammars, loaded from a recipe cached under dist/ when one matches the grammar's text (building a grammar from its source costs ~100 ms per process; a recipe ~2 ms).
import type * as Ohm from "ohm-js";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * ohm-js through its single-file CommonJS build: loading its ES module build resolves, reads and
 * compiles about 50 files (25 ms of every `phonon` command's start, measured with
 * `--cpu-prof`); the bundle takes 10 ms. Both are the same release of the same code.
 */
const ohm = createRequire(import.meta.url)("ohm-js") as typeof Ohm;

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
  // Compiled code lives in dist/language/; the grammar files stay in language/grammar/.
  const here = fileURLToPath(import.meta.url);
  const source = readFileSync(join(dirname(here).replace(/\/dist\/language$/, "/language"), "grammar", name), "utf8");
  const hash = createHash("sha256").update(ohm.version).update("\0").update(source).digest("hex").slice(0, 16);
  const cache = join(dirname(here).replace(/\/language$/, ""), "grammar-cache", `${name}-${hash}.json`);
  if (here.includes("/dist/") && existsSync(cache)) {
    try {
      return (ohm as unknown as Recipes).makeRecipe(JSON.parse(readFileSync(cache, "utf8")));
    } catch {
      // A damaged cache file: fall through and rebuild it.
    }
  }
  const grammar = ohm.grammar(source);
  if (here.includes("/dist/")) {
    try {
      mkdirSync(dirname(cache), { recursive: true });
      writeFileSync(cache, (grammar as WithRecipe).toRecipe());
    } catch {
      // Not writable: build from source each time.
    }
  }
  return grammar;
}
