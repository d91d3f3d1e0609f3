//! Parsing: split a .ph file into statements (Phonon's line-joining rules) and parse each with grammar/phonon.ohm, incrementally.
import type * as ohm from "ohm-js";
import { type Arg, type BinaryOp, type Expr, type Program, type Span, type Statement, shiftExpr, shiftStatement } from "./ast.js";
import { type Diagnostic, SourceMap, diagnostic } from "./diagnostics.js";
import { loadGrammar } from "./grammars.js";

const grammar = loadGrammar("phonon.ohm");

/** A statement's slice of the file. */
export interface Chunk {
  start: number;
  end: number;
}

const HEAD_TOKEN = /^[A-Za-z0-9_~]+$/;
const COMMAND = /^(?:(?:un)?hush\d*|panic|resetCycles|(?:setCycle|nudge)\s+-?[\d.]+)\s*(?:--.*)?$/;
const DEFINITION = /^(?:[@%][A-Za-z_]\w*\s*:|~\w+(?:\s+[A-Za-z_]\w*)*\s*[$:#])/;

/**
 * A line starts a new statement when the text before its first `$` (failing that `#`, failing
 * that `:`) is a single token such as `~bass`, `out`, `o2` or `tempo` (Phonon's rule), when it
 * starts with `fn `, when it defines a template, a named pattern or a function bus
 * (`@t:`, `%p:`, `~f a b $`), or when it is a bare command (`hush`, `panic`, `setCycle 4`).
 * Other non-empty lines continue the statement above. Blank lines and comment lines end a statement.
 */
export function startsStatement(line: string): boolean {
  const t = line.trim();
  if (t.startsWith("fn ")) return true;
  if (COMMAND.test(t) || DEFINITION.test(t)) return true;
  for (const sep of ["$", "#", ":"]) {
    const i = t.indexOf(sep);
    if (i >= 0 && HEAD_TOKEN.test(t.slice(0, i).trim())) return true;
  }
  return false;
}

/** Statement boundaries of a whole file. */
export function splitStatements(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk | undefined;
  let offset = 0;
  for (const raw of text.split("\n")) {
    const lineStart = offset;
    const lineEnd = offset + raw.length;
    offset = lineEnd + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("--")) {
      current = undefined;
      continue;
    }
    const indent = raw.length - raw.trimStart().length;
    const contentEnd = lineStart + raw.trimEnd().length;
    if (current && !startsStatement(raw)) {
      current.end = contentEnd;
    } else {
      current = { start: lineStart + indent, end: contentEnd };
      chunks.push(current);
    }
  }
  return chunks;
}

const span = (node: ohm.Node): Span => ({ start: node.source.startIdx, end: node.source.endIdx });
const defOp = (n: ohm.Node): ":" | "$" | "#" => n.sourceString as ":" | "$" | "#";

const semantics = grammar.createSemantics();
semantics.addOperation<Statement>("statement", {
  Line(stmt, _end) {
    return stmt.statement();
  },
  FnDef(_fn, name, params, _eq, body) {
    return {
      type: "fn",
      name: name.sourceString,
      params: params.children.map((p) => p.sourceString),
      expr: body.expr(),
      span: span(this),
      nameSpan: span(name),
    };
  },
  Command_reset(_w) {
    return { type: "command", command: "resetCycles", span: span(this) };
  },
  Command_setCycle(_w, n) {
    return { type: "command", command: "setCycle", value: n.num(), span: span(this) };
  },
  Command_nudge(_w, n) {
    return { type: "command", command: "nudge", value: n.num(), span: span(this) };
  },
  Command_unhush(_w, ch) {
    return { type: "command", command: "unhush", ...channel(ch), span: span(this) };
  },
  Command_hush(_w, ch) {
    return { type: "command", command: "hush", ...channel(ch), span: span(this) };
  },
  Command_panic(_w) {
    return { type: "command", command: "panic", span: span(this) };
  },
  Setting_tempo(_w, _c, n) {
    return { type: "tempo", cps: n.num(), span: span(this) };
  },
  Setting_bpm(_w, _c, n, meter) {
    const m = meter.children[0];
    return { type: "tempo", cps: n.num() / 60, span: span(this), ...(m ? { meter: m.sourceString.slice(1, -1) } : {}) };
  },
  Setting_buffer(_w, _c, n) {
    return { type: "buffer", size: n.num(), span: span(this) };
  },
  Setting_outmix(_w, _c, mode) {
    return { type: "outmix", mode: mode.sourceString, span: span(this), modeSpan: span(mode) };
  },
  Output(name, op, body) {
    return { type: "output", name: name.sourceString, op: defOp(op), expr: body.expr(), span: span(this), nameSpan: span(name) };
  },
  TemplateDef(_at, name, _c, body) {
    return { type: "template", name: name.sourceString, expr: body.expr(), span: span(this), nameSpan: { start: span(name).start - 1, end: span(name).end } };
  },
  PatternDef(_p, name, _c, body) {
    return { type: "pattern", name: name.sourceString, expr: body.expr(), span: span(this), nameSpan: { start: span(name).start - 1, end: span(name).end } };
  },
  BusDef(name, params, op, body) {
    return {
      type: "bus",
      name: name.sourceString.slice(1),
      params: params.children.map((p) => p.sourceString),
      op: defOp(op),
      expr: body.expr(),
      span: span(this),
      nameSpan: span(name),
    };
  },
});

function channel(ch: ohm.Node): { channel?: number } {
  return ch.sourceString === "" ? {} : { channel: Number(ch.sourceString) };
}

semantics.addOperation<number>("num", {
  Number(n) {
    return Number(n.sourceString);
  },
});

const binary = (l: ohm.Node, op: ohm.Node, r: ohm.Node, whole: ohm.Node): Expr => ({
  type: "binary",
  op: op.sourceString as BinaryOp,
  left: l.expr(),
  right: r.expr(),
  span: span(whole),
});

semantics.addOperation<Expr>("expr", {
  Body(b) {
    return b.expr();
  },
  Chain(first, _ops, rest) {
    // `a # b # c` is (a # b) # c.
    let e: Expr = first.expr();
    for (const r of rest.children) {
      const right = r.expr();
      e = { type: "chain", left: e, right, span: { start: e.span.start, end: right.span.end } };
    }
    return e;
  },
  Dollar(first, _ops, rest) {
    // `a $ b $ c` is a $ (b $ c).
    const items: Expr[] = [first.expr(), ...rest.children.map((r) => r.expr())];
    let e = items[items.length - 1]!;
    for (let i = items.length - 2; i >= 0; i--) {
      const left = items[i]!;
      e = { type: "dollar", left, right: e, span: { start: left.span.start, end: e.span.end } };
    }
    return e;
  },
  Section(lefts, _ops, hash, body) {
    // `a $ b $ # c` is a $ (b $ (# c)).
    const inner = body.expr();
    let e: Expr = { type: "section", body: inner, span: { start: hash.source.startIdx, end: inner.span.end } };
    const items = lefts.children.map((l) => l.expr());
    for (let i = items.length - 1; i >= 0; i--) {
      const left = items[i]!;
      e = { type: "dollar", left, right: e, span: { start: left.span.start, end: e.span.end } };
    }
    return e;
  },
  Sum_op(l, op, r) {
    return binary(l, op, r, this);
  },
  Product_op(l, op, r) {
    return binary(l, op, r, this);
  },
  Unary_neg(_m, e) {
    const inner = e.expr();
    // `-3` written with a space (`- 3`) is still the number -3.
    if (inner.type === "num") return { type: "num", value: -inner.value, span: span(this) };
    return { type: "neg", expr: inner, span: span(this) };
  },
  App_call(name, args) {
    return { type: "call", name: name.sourceString, nameSpan: span(name), args: args.children.map((a) => a.arg()), span: span(this) };
  },
  App_buscall(name, args) {
    return {
      type: "buscall",
      name: name.sourceString.slice(1),
      nameSpan: span(name),
      args: args.children.map((a) => a.arg()),
      span: span(this),
    };
  },
  Primary_bus(b) {
    const [name, ...path] = b.sourceString.slice(1).split(":");
    return { type: "bus", name: name!, path, span: span(this) };
  },
  Primary_template(_at, name) {
    return { type: "template", name: name.sourceString, span: span(this) };
  },
  Primary_pattern(_p, name) {
    return { type: "patref", name: name.sourceString, span: span(this) };
  },
  Primary_list(_o, items, _c) {
    return { type: "list", items: items.asIteration().children.map((c) => c.expr()), span: span(this) };
  },
  Primary_section(_o, s, _c) {
    return s.expr();
  },
  Primary_paren(_o, e, _c) {
    return e.expr();
  },
  Primary_name(n) {
    return { type: "name", name: n.sourceString, span: span(this) };
  },
  Number(n) {
    return { type: "num", value: Number(n.sourceString), span: span(this) };
  },
  String(s) {
    // The span covers the quotes; the value is the content between them.
    return { type: "str", value: s.sourceString.slice(1, -1), span: span(this) };
  },
});

semantics.addOperation<Arg>("arg", {
  Arg_keyword(_c, name, value) {
    return { type: "kwarg", name: name.sourceString, value: value.expr(), span: span(this) };
  },
  Arg_positional(a) {
    return a.expr();
  },
});

export interface ParseResult {
  program: Program;
  diagnostics: Diagnostic[];
  map: SourceMap;
  /** The statements' slices of the file, in order (parallel to nothing: failed statements have none). */
  chunks: Chunk[];
}

const OPERATORS = new Set(["+", "-", "*", "/", "#", "$", "|+|", "|+", "+|", "|-|", "|-", "-|", "|*|", "|*", "*|", "|/|", "|/", "/|", "|>", "<|", "|<", ">|", "~+", "~-", "~*", "~/"]);

/** Tokens that start a value: folded into "a value" in messages. */
const VALUE_STARTS = new Set(["a letter", "a digit", "'\"'", "'~'", "'('", "'['", "'@'", "'%'", "'-'"]);

/** Describe Ohm's expectations in words a musician can read: operators and value starts are folded. */
function expectedText(m: ohm.FailedMatchResult, found: string | undefined): string {
  const items: string[] = [];
  let operator = false;
  let value = false;
  const failures = (m as unknown as { getRightmostFailures(): { type: string; getText(): string }[] }).getRightmostFailures();
  for (const f of failures) {
    const text = f.getText();
    const item = f.type === "string" ? `'${text}'` : text === "end of input" ? "the end of the statement" : text;
    if (f.type === "string" && OPERATORS.has(text) && text !== "-") operator = true;
    else if (VALUE_STARTS.has(item)) value = true;
    else if (item === "'.'" || item === "'\''" || item === "any character") continue; // the rest of a number, a name or a string: never what is missing
    else items.push(item);
  }
  // A value start cannot be what is missing when one is right there (`"a" "b"`: two values side by side).
  if (value && !(found !== undefined && /[A-Za-z0-9"~(\[@%-]/.test(found))) items.unshift("a value (a number, a \"pattern\", a name, a ~bus or a '(')");
  if (operator) items.push("an operator");
  const unique = [...new Set(items)];
  if (unique.length === 0) return "something else";
  if (unique.length === 1) return unique[0]!;
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/** A statement parsed at offset 0: its tree, or where and why it failed. */
type ChunkResult =
  | { ok: true; statement: Statement }
  | { ok: false; at: number; expected: string; suggestion?: string };

function describeFailure(source: string, m: ohm.MatchResult): ChunkResult {
  const f = m as ohm.FailedMatchResult;
  const h = hint(source);
  const at = f.getRightmostFailurePosition();
  return { ok: false, at, expected: expectedText(f, source[at]), ...(h ? { suggestion: h } : {}) };
}

/**
 * A parser that remembers its last file: unchanged statements are reused as they are, and a
 * changed statement is re-matched with ohm's incremental Matcher (which keeps the memo table of
 * the text it last matched at that position and re-parses only around the edit).
 */
export class Parser {
  private cache = new Map<string, ChunkResult>();
  private matchers: (ohm.Matcher | undefined)[] = [];
  /** Characters of text held by `matchers` (at their creation), bounded by RETAINED_TEXT. */
  private retained = 0;
  private scratch: ohm.Matcher | undefined;
  /** Statistics of the last parse: statements reused, re-matched incrementally, parsed fresh. */
  stats = { reused: 0, rematched: 0, fresh: 0 };

  /** `longSums: false` parses long sums whole, as any other statement (for comparisons). */
  constructor(private readonly options: { longSums?: boolean } = {}) {}

  parse(text: string): ParseResult {
    const map = new SourceMap(text);
    const statements: Statement[] = [];
    const diagnostics: Diagnostic[] = [];
    const chunks = splitStatements(text);
    if (chunks.length > MAX_STATEMENTS) {
      const at = chunks[MAX_STATEMENTS]!.start;
      const message = `this file has ${chunks.length.toLocaleString("en")} statements; at most ${MAX_STATEMENTS.toLocaleString("en")} are compiled`;
      diagnostics.push(diagnostic(map, "error", message, { start: at, end: at + 1 }, { suggestion: "split the file, or generate fewer, larger statements (a long sum compiles fast)" }));
      return { program: { statements }, diagnostics, map, chunks };
    }
    const next = new Map<string, ChunkResult>();
    this.stats = { reused: 0, rematched: 0, fresh: 0 };
    chunks.forEach((chunk, i) => {
      const source = text.slice(chunk.start, chunk.end);
      let r = this.cache.get(source) ?? next.get(source);
      if (r) this.stats.reused++;
      else r = this.matchChunk(source, i);
      next.set(source, r);
      if (r.ok) {
        statements.push(shiftStatement(r.statement, chunk.start));
        return;
      }
      const at = chunk.start + r.at;
      const found = at >= chunk.end ? "the end of the statement" : `'${text[at]}'`;
      diagnostics.push(
        diagnostic(map, "error", `syntax error: expected ${r.expected}, found ${found}`, { start: at, end: at + 1 }, {
          expected: r.expected,
          ...(r.suggestion ? { suggestion: r.suggestion } : {}),
        }),
      );
    });
    this.cache = next;
    this.matchers.length = Math.min(this.matchers.length, Math.max(chunks.length, 1));
    this.retained = 0;
    for (const m of this.matchers) this.retained += m ? m.getInput().length : 0;
    return { program: { statements }, diagnostics, map, chunks };
  }

  private matchChunk(source: string, index: number): ChunkResult {
    if (source.length >= LONG_SUM && this.options.longSums !== false) {
      const fast = parseLongSum(source);
      if (fast) {
        this.stats.fresh++;
        return fast;
      }
    }
    let matcher = this.matchers[index];
    if (!matcher && this.retained + source.length > RETAINED_TEXT) {
      // Past the budget of kept matchers (each holds a memo table of about 2 kB per character of
      // its text), a statement is matched with one scratch matcher that nothing keeps.
      this.scratch ??= grammar.matcher();
      this.scratch.setInput(source);
      this.stats.fresh++;
      return this.run(this.scratch, source, index);
    }
    if (matcher) {
      const old = matcher.getInput();
      let pre = 0;
      const max = Math.min(old.length, source.length);
      while (pre < max && old.charCodeAt(pre) === source.charCodeAt(pre)) pre++;
      let suf = 0;
      while (suf < max - pre && old.charCodeAt(old.length - 1 - suf) === source.charCodeAt(source.length - 1 - suf)) suf++;
      matcher.replaceInputRange(pre, old.length - suf, source.slice(pre, source.length - suf));
      this.stats.rematched++;
    } else {
      matcher = grammar.matcher();
      matcher.setInput(source);
      this.matchers[index] = matcher;
      this.retained += source.length;
      this.stats.fresh++;
    }
    return this.run(matcher, source, index);
  }

  private run(matcher: ohm.Matcher, source: string, index: number): ChunkResult {
    const deep = tooDeep(source);
    if (deep !== undefined) {
      return {
        ok: false,
        at: deep,
        expected: `at most ${MAX_NESTING} levels of parentheses and brackets`,
        suggestion: "name an inner part as a bus (~part: …) and use ~part in its place",
      };
    }
    try {
      const m = matcher.match("Line");
      if (m.failed()) return describeFailure(source, m);
      return { ok: true, statement: semantics(m).statement() };
    } catch (e) {
      // A statement too large for the parser's stack: an error at its start, never a throw.
      if (!(e instanceof RangeError)) throw e;
      if (matcher === this.scratch) this.scratch = undefined;
      else this.matchers[index] = undefined;
      return {
        ok: false,
        at: 0,
        expected: "a statement the parser can hold (this one nests or chains too deeply)",
        suggestion: "split it: name parts as buses (~part: …) and combine them",
      };
    }
  }
}

/**
 * The text, in characters, of the statements whose matchers are kept for incremental re-parsing
 * (a file of up to about this size re-parses only around an edit); about 200 MB of memo tables.
 */
const RETAINED_TEXT = 100_000;

/** The most statements a file may have; beyond, one error at the first statement past it, and nothing is parsed. */
export const MAX_STATEMENTS = 10_000;

/** The deepest nesting of parentheses and brackets a statement may have. */
export const MAX_NESTING = 100;

/** Where a statement first nests deeper than [`MAX_NESTING`] (outside strings and comments), if it does. */
function tooDeep(source: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      const end = source.indexOf('"', i + 1);
      if (end < 0) return undefined;
      i = end;
    } else if (c === "-" && source[i + 1] === "-") {
      const end = source.indexOf("\n", i);
      if (end < 0) return undefined;
      i = end;
    } else if (c === "(" || c === "[") {
      if (++depth > MAX_NESTING) return i;
    } else if (c === ")" || c === "]") depth--;
  }
  return undefined;
}

/** Statements at least this long that are one `name: a + b + c …` sum take [`parseLongSum`]. */
export const LONG_SUM = 2000;

/**
 * A long `name: t₁ + t₂ + … + tₙ` statement (a sine bank, a voice bank), parsed term by term.
 *
 * Ohm memoizes every rule at every position of its input, so one 30 kB line costs ~0.2 s and
 * ~80 MB; the terms of a top-level sum are independent, so each is matched alone as a
 * `Product` and the sum is folded to the left, giving the same AST (spans included) as the
 * whole-line parse. It applies only when the body's top level (outside parentheses, brackets
 * and strings) has no operator but binary `+` between terms — no `-` (which would change the
 * grouping), `$`, `#`, `|…`, `~+`-style operators, `<`, `>` — and every term parses; otherwise it returns
 * undefined and the statement takes the ordinary path (with its diagnostics).
 */
export function parseLongSum(source: string): ChunkResult | undefined {
  const head = /^(\s*(?:~[A-Za-z_]\w*|out\d*|o\d+|d\d+)\s*:)/.exec(source);
  if (!head) return undefined;
  const cuts: number[] = [];
  let depth = 0;
  let quote = false;
  for (let i = head[1]!.length; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0) {
      if (c === "+") {
        if (source[i - 1] === "|" || source[i - 1] === "~" || source[i + 1] === "|") return undefined;
        cuts.push(i);
      } else if ("-$#|<>:;,".includes(c) || (c === "~" && /[-+*/]/.test(source[i + 1] ?? ""))) return undefined;
    }
  }
  if (depth !== 0 || quote || cuts.length === 0) return undefined;
  const bounds = [head[1]!.length, ...cuts.map((c) => c + 1), source.length + 1];
  let sum: Expr | undefined;
  let start = 0;
  const matcher = grammar.matcher();
  // Terms that differ only in their numbers (a generated bank) share one parse: each number
  // becomes `0` in the term's shape, the shape is parsed once, and each term gets the shape's
  // AST with its spans moved back onto its own text and its numbers read from there.
  const shapes = new Map<string, Expr>();
  for (let k = 0; k + 1 < bounds.length; k++) {
    const from = bounds[k]!;
    const text = source.slice(from, bounds[k + 1]! - 1);
    const { shape, at } = numberShape(text);
    let known = shapes.get(shape);
    if (!known) {
      matcher.setInput(shape);
      const m = matcher.match("Product");
      if (m.failed()) return undefined;
      known = semantics(m).expr() as Expr;
      shapes.set(shape, known);
    }
    let local = withNumbersOf(known, text, at);
    if (local === undefined) {
      // A number the shape cannot give back (`-(2)` folds to one): this term parsed as it is.
      matcher.setInput(text);
      const m = matcher.match("Product");
      if (m.failed()) return undefined;
      local = semantics(m).expr() as Expr;
    }
    const term = shiftExpr(local, from);
    if (!sum) {
      sum = term;
      start = term.span.start;
    } else sum = { type: "binary", op: "+", left: sum, right: term, span: { start, end: term.span.end } };
  }
  const first = grammar.match(source.slice(0, cuts[0]), "Line");
  if (first.failed() || !sum) return undefined;
  const statement = semantics(first).statement();
  if (!("expr" in statement)) return undefined;
  return { ok: true, statement: { ...statement, expr: sum, span: { start: statement.span.start, end: sum.span.end } } as Statement };
}

/**
 * `text` with each number literal (outside strings, names and bus references) replaced by `0`,
 * and where each offset of that text lies in `text` (`at[i]`; one past the end included), so
 * that spans parsed from the shape can be moved back onto `text`.
 */
function numberShape(text: string): { shape: string; at: number[] } {
  let shape = "";
  const at: number[] = [];
  let quote = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') quote = !quote;
    const prev = i > 0 ? text[i - 1]! : " ";
    // A number starts at a digit that does not continue a name, a bus reference or a number.
    if (!quote && c >= "0" && c <= "9" && !/[A-Za-z0-9_~:'.]/.test(prev)) {
      let j = i;
      while (j < text.length && /[0-9]/.test(text[j]!)) j++;
      if (text[j] === "." && /[0-9]/.test(text[j + 1] ?? "")) {
        j++;
        while (j < text.length && /[0-9]/.test(text[j]!)) j++;
      }
      at.push(i);
      shape += "0";
      i = j;
      continue;
    }
    at.push(i);
    shape += c;
    i++;
  }
  at.push(text.length);
  return { shape, at };
}

/** A copy of `ast` (parsed from a number shape) with its spans moved through `at` onto `text` and each number's value read from `text`; undefined if a number cannot be read back that way. */
function withNumbersOf(ast: Expr, text: string, at: number[]): Expr | undefined {
  let ok = true;
  const copy = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(copy);
    if (!x || typeof x !== "object") return x;
    const o = x as Record<string, unknown>;
    if (typeof o.start === "number" && typeof o.end === "number" && Object.keys(o).length === 2) {
      // Shape character k stands for text[at[k] .. at[k + 1]), so offsets map through `at`.
      return { start: at[o.start as number], end: at[o.end as number] };
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = copy(o[k]);
    if (out.type === "num") {
      const sp = out.span as Span;
      const v = Number(text.slice(sp.start, sp.end).replace(/\s+/g, ""));
      if (!Number.isFinite(v)) ok = false;
      out.value = v;
    }
    return out;
  };
  const e = copy(ast) as Expr;
  return ok ? e : undefined;
}

/** Parse a whole file. Every statement is parsed; all failures are reported. */
export function parse(text: string): ParseResult {
  return new Parser().parse(text);
}

/** Parse one expression on its own (for tests and tools). */
export function parseExpr(text: string): Expr | undefined {
  const m = grammar.match(text, "Expr");
  return m.succeeded() ? semantics(m).expr() : undefined;
}

/** A fix for common slips, when one is obvious. */
/**
 * Whether the text has a call written `name(a, …)`: a word holding a letter, then `(` not followed
 * by `#` or `$`, then a `,` before the next parenthesis. One pass over the text (the regex it
 * replaces, /[A-Za-z_]\w*\((?!\s*[#$])[^()]*,/, backtracked through every long word: 100 kB
 * took 7 s).
 */
export function hasCommaCall(text: string): boolean {
  const word = /\w/;
  const letter = /[A-Za-z_]/;
  let hasLetter = false;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (word.test(c)) {
      if (!inWord) hasLetter = false;
      inWord = true;
      if (!hasLetter && letter.test(c)) hasLetter = true;
      continue;
    }
    const called = inWord && hasLetter && c === "(";
    inWord = false;
    if (!called) continue;
    let j = i + 1;
    while (j < text.length && /\s/.test(text[j]!)) j++;
    if (text[j] === "#" || text[j] === "$") continue;
    // Up to the next parenthesis; the segments scanned lie between consecutive '(' and are disjoint.
    for (let k = i + 1; k < text.length; k++) {
      const d = text[k]!;
      if (d === "(" || d === ")") break;
      if (d === ",") return true;
    }
  }
  return false;
}

function hint(source: string): string | undefined {
  const head = /^\s*(tempo|cps|bpm|buffer|outmix|out\d*|o\d+|d\d+|~\w+)\s+(?![:$#]|[A-Za-z_]\w*(\s+[A-Za-z_]\w*)*\s*[$:])/.exec(source);
  if (head) return `write a ':' (or '$') after '${head[1]}', as in \`${head[1]}: …\``;
  const quotes = (source.match(/"/g) ?? []).length;
  if (quotes % 2 === 1) return "a string is missing its closing quote";
  const bare = source.replace(/"[^"]*"/g, '""');
  if (hasCommaCall(bare)) return "functions are called by juxtaposition: write `lpf 800 0.7`, not `lpf(800, 0.7)`";
  const open = (bare.match(/\(/g) ?? []).length - (bare.match(/\)/g) ?? []).length;
  if (open > 0) return "a '(' is not closed";
  if (open < 0) return "there is a ')' without a matching '('";
  const brackets = (bare.match(/\[/g) ?? []).length - (bare.match(/\]/g) ?? []).length;
  if (brackets > 0) return "a '[' is not closed";
  if (brackets < 0) return "there is a ']' without a matching '['";
  if (/^\s*~?\w+\s*=/.test(source)) return "definitions use ':' or '$', as in `~bass: saw 55` or `out $ ~bass`";
  return undefined;
}
