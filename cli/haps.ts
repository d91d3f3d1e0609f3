//! `phonon haps`: print the events of a mini-notation pattern, or answer the Strudel oracle's case file in its output format.
import { readFileSync } from "node:fs";
import { type OracleCase, runCases, sortHaps, stringifyResults } from "../language/pattern/cases.js";
import type { Hap } from "../language/pattern/hap.js";
import { QueryLimitError } from "../language/pattern/limit.js";
import { MiniError, mini } from "../language/pattern/mini.js";
import { Rational } from "../language/pattern/rational.js";
import { valueToJson } from "../language/pattern/value.js";

const USAGE = `usage:
  phonon haps "<mini-notation>" [--from T] [--to T]   print the events in [from, to) (default 0..1)
  phonon haps --cases [--random-haps] < cases.json     answer an oracle case file (../shared/oracle format) on stdout
times are numbers or fractions such as 1/3`;

function parseTime(s: string | undefined, flag: string): Rational {
  if (s === undefined) throw new UsageError(`${flag} needs a value`);
  try {
    return Rational.parse(s);
  } catch {
    throw new UsageError(`${flag}: "${s}" is not a time (use a number or a fraction such as 1/3)`);
  }
}

class UsageError extends Error {}

function showHap(h: Hap<unknown>): string {
  const span = (b: Rational, e: Rational): string => `${b}–${e}`;
  const part = span(h.part.begin, h.part.end);
  const whole = h.whole ? span(h.whole.begin, h.whole.end) : "~";
  const where = h.whole && h.whole.equals(h.part) ? whole : `${whole} (part ${part})`;
  const onset = h.hasOnset() ? "" : "  (no onset)";
  return `  ${where.padEnd(24)} ${JSON.stringify(valueToJson(h.value))}${onset}`;
}

function runCaseFile(argv: string[]): number {
  let input: string;
  try {
    input = readFileSync(0, "utf8");
  } catch (e) {
    process.stderr.write(`phonon haps --cases: cannot read stdin: ${(e as Error).message}\n`);
    return 2;
  }
  let cases: unknown;
  try {
    cases = JSON.parse(input);
  } catch (e) {
    process.stderr.write(`phonon haps --cases: stdin is not valid JSON: ${(e as Error).message}\n`);
    return 2;
  }
  if (!Array.isArray(cases)) {
    process.stderr.write("phonon haps --cases: expected a JSON array of cases on stdin\n");
    return 2;
  }
  const results = runCases(cases as OracleCase[], { randomHaps: argv.includes("--random-haps") });
  process.stdout.write(stringifyResults(results) + "\n");
  const errors = results.filter((r) => r["error"] !== undefined);
  for (const r of errors) process.stderr.write(`case ${r.id}: ERROR ${String(r["error"])}\n`);
  process.stderr.write(`phonon haps: ${results.length} cases, ${errors.length} errors\n`);
  return errors.length ? 1 : 0;
}

/** The `haps` subcommand; argv is what follows `haps`. Returns the exit code. */
export async function runHaps(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (argv.includes("--cases")) return runCaseFile(argv);
  let source: string | undefined;
  let from = Rational.ZERO;
  let to = Rational.ONE;
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === "--from") from = parseTime(argv[++i], "--from");
      else if (a === "--to") to = parseTime(argv[++i], "--to");
      else if (a.startsWith("--from=")) from = parseTime(a.slice(7), "--from");
      else if (a.startsWith("--to=")) to = parseTime(a.slice(5), "--to");
      else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`);
      else if (source === undefined) source = a;
      else throw new UsageError(`unexpected argument "${a}" (quote the pattern: phonon haps "bd sn")`);
    }
    if (source === undefined) throw new UsageError("no pattern given");
    if (to.lt(from)) throw new UsageError(`--to ${to} is before --from ${from}`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`phonon haps: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  try {
    const haps = sortHaps(mini(source).queryArc(from, to));
    process.stdout.write(`"${source}" from ${from} to ${to}: ${haps.length} event${haps.length === 1 ? "" : "s"}\n`);
    for (const h of haps) process.stdout.write(showHap(h) + "\n");
    return 0;
  } catch (e) {
    if (e instanceof MiniError) {
      process.stderr.write(`phonon haps: ${e.message}\n  "${source}"\n   ${" ".repeat(e.offset)}^\n`);
      return 1;
    }
    if (e instanceof QueryLimitError || e instanceof Error) {
      process.stderr.write(`phonon haps: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
