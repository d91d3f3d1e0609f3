//! Fuzzing in CI: a seeded campaign of corpus mutations, grammar-generated programs and mini-notation strings; each input compiles (and its first cycles schedule) to located diagnostics only, within 2 s.
import { describe, expect, it } from "vitest";
import { type Finding, check, input, seedTexts } from "../cli/fuzz.js";
import { root } from "./liveproc.js";

/** The campaign: this seed, COUNT inputs in slices of SLICE (PHONON_FUZZ_COUNT changes the count, e.g. for a quick run). */
const SEED = 15;
const COUNT = Number(process.env["PHONON_FUZZ_COUNT"] ?? 20_000);
const SLICE = 2_000;
/** The bound: no input may take longer than this to compile and schedule. */
const LIMIT_MS = 2_000;

const { from, texts } = seedTexts(root);

describe(`fuzzing: ${COUNT.toLocaleString("en")} seeded inputs (mutations of ${texts.length} files from ${from})`, () => {
  for (let start = 0; start < COUNT; start += SLICE) {
    const end = Math.min(COUNT, start + SLICE);
    it(`inputs ${start}…${end - 1}: nothing throws, every diagnostic has a line and column, none takes over ${LIMIT_MS / 1000} s`, () => {
      const found: Array<Finding & { i: number; text: string }> = [];
      for (let i = start; i < end; i++) {
        const text = input(SEED, i, texts);
        const f = check(text, LIMIT_MS);
        if (f) found.push({ ...f, i, text });
      }
      expect(found.map((f) => `input ${f.i} (${f.kind}, ${f.ms.toFixed(0)} ms): ${JSON.stringify(f.text)}\n${f.detail}`)).toEqual([]);
    }, 600_000);
  }
});
