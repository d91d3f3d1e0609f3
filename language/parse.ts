//! Parsing: split a .ph file into statements (Phonon's line-joining rules) and parse each with grammar/phonon.ohm.
import * as ohm from "ohm-js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Expr, Program, Span, Statement } from "./ast.js";
import { type Diagnostic, SourceMap, diagnostic } from "./diagnostics.js";

function loadGrammar(name: string): ohm.Grammar {
  // Compiled code lives in dist/language/; the grammar files stay in language/grammar/.
  const path = fileURLToPath(new URL(`./grammar/${name}`, import.meta.url)).replace(/\/dist\/language\//, "/language/");
  return ohm.grammar(readFileSync(path, "utf8"));
}

const grammar = loadGrammar("phonon.ohm");

/** A statement's slice of the file. */
interface Chunk {
  start: number;
  end: number;
}

const HEAD_TOKEN = /^[A-Za-z0-9_~]+$/;

/**
 * A line starts a new statement when the text before its first `$` (failing that `#`, failing
 * that `:`) is a single token such as `~bass`, `out`, `o2` or `tempo`; other non-empty lines
 * continue the statement above. Blank lines and comment lines end a statement.
 */
export function startsStatement(line: string): boolean {
  const t = line.trim();
  if (t.startsWith("fn ")) return true;
  for (const sep of ["$", "#", ":"]) {
    const i = t.indexOf(sep);
    if (i >= 0) {
      const head = t.slice(0, i).trim();
      if (HEAD_TOKEN.test(head)) return true;
    }
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

let base = 0;
const span = (node: ohm.Node): Span => ({ start: base + node.source.startIdx, end: base + node.source.endIdx });

const semantics = grammar.createSemantics();
semantics.addOperation<Statement>("statement", {
  Line(stmt, _end) {
    return stmt.statement();
  },
  Tempo_cps(_w, _c, n) {
    return { type: "tempo", cps: n.num(), span: span(this) };
  },
  Tempo_bpm(_w, _c, n, _sig) {
    return { type: "tempo", cps: n.num() / 60, span: span(this) };
  },
  Output(name, _op, expr) {
    return { type: "output", name: name.sourceString, expr: expr.expr(), span: span(this) };
  },
  BusDef(name, _op, expr) {
    return { type: "bus", name: name.sourceString.slice(1), expr: expr.expr(), span: span(this) };
  },
});
semantics.addOperation<number>("num", {
  Number(n) {
    return Number(n.sourceString);
  },
});
semantics.addOperation<Expr>("expr", {
  Chain_chain(left, _op, right) {
    return { type: "chain", left: left.expr(), right: right.expr(), span: span(this) };
  },
  Sum_add(l, _op, r) {
    return { type: "binary", op: "+", left: l.expr(), right: r.expr(), span: span(this) };
  },
  Sum_sub(l, _op, r) {
    return { type: "binary", op: "-", left: l.expr(), right: r.expr(), span: span(this) };
  },
  Product_mul(l, _op, r) {
    return { type: "binary", op: "*", left: l.expr(), right: r.expr(), span: span(this) };
  },
  Product_div(l, _op, r) {
    return { type: "binary", op: "/", left: l.expr(), right: r.expr(), span: span(this) };
  },
  Unary_neg(_m, e) {
    return { type: "neg", expr: e.expr(), span: span(this) };
  },
  App_call(name, args) {
    return {
      type: "call",
      name: name.sourceString,
      nameSpan: span(name),
      args: args.children.map((a) => a.expr()),
      span: span(this),
    };
  },
  Primary_bus(b) {
    return { type: "bus", name: b.sourceString.slice(1), span: span(this) };
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

export interface ParseResult {
  program: Program;
  diagnostics: Diagnostic[];
  map: SourceMap;
}

/** Describe Ohm's expectations in words a musician can read. */
function expectedText(m: ohm.FailedMatchResult): string {
  const raw = m.getExpectedText();
  return raw.replace(/\bend of input\b/g, "the end of the statement");
}

/** Parse a whole file. Every statement is parsed; all failures are reported. */
export function parse(text: string): ParseResult {
  const map = new SourceMap(text);
  const statements: Statement[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const chunk of splitStatements(text)) {
    const source = text.slice(chunk.start, chunk.end);
    const m = grammar.match(source, "Line");
    if (m.failed()) {
      const at = chunk.start + m.getRightmostFailurePosition();
      const expected = expectedText(m);
      const found = text[at] === undefined || at >= chunk.end ? "the end of the statement" : `'${text[at]}'`;
      diagnostics.push(
        diagnostic(map, "error", `syntax error: expected ${expected}, found ${found}`, { start: at, end: at + 1 }, {
          expected,
          ...(hint(source) ?? {}),
        }),
      );
      continue;
    }
    base = chunk.start;
    statements.push(semantics(m).statement());
  }
  return { program: { statements }, diagnostics, map };
}

/** A fix for common slips, when one is obvious. */
function hint(source: string): { suggestion: string } | undefined {
  if (/^\s*[A-Za-z_]\w*\s*\(/.test(source.replace(/^[^:$]*[:$]/, ""))) {
    return { suggestion: "functions are called by juxtaposition: write `lpf 800 0.7`, not `lpf(800, 0.7)`" };
  }
  const quotes = (source.match(/"/g) ?? []).length;
  if (quotes % 2 === 1) return { suggestion: "a string is missing its closing quote" };
  const open = (source.match(/\(/g) ?? []).length - (source.match(/\)/g) ?? []).length;
  if (open > 0) return { suggestion: "a '(' is not closed" };
  if (open < 0) return { suggestion: "there is a ')' without a matching '('" };
  return undefined;
}
