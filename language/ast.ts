//! The syntax tree of a .ph program: statements and expressions, each with its source span.

/** A span of the source file: absolute character offsets [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** Binary operators. `|+` takes structure from the left, `+|` from the right, `~+` is per-sample signal arithmetic. */
export type BinaryOp =
  | "+" | "-" | "*" | "/"
  | "|+|" | "|+" | "+|" | "|-|" | "|-" | "-|" | "|*|" | "|*" | "*|" | "|/|" | "|/" | "/|"
  | "|>" | "<|" | "|<" | ">|"
  | "~+" | "~-" | "~*" | "~/";

/** A call argument: positional, or `:name value`. */
export type Arg = Expr | { type: "kwarg"; name: string; value: Expr; span: Span };

export type Expr =
  | { type: "num"; value: number; span: Span }
  | { type: "str"; value: string; span: Span }
  /** `~name`, or `~name:a:b` (path holds a, b). */
  | { type: "bus"; name: string; path: string[]; span: Span }
  | { type: "name"; name: string; span: Span }
  | { type: "call"; name: string; nameSpan: Span; args: Arg[]; span: Span }
  /** `~f a b`: a function bus (or `~add a b`, signal arithmetic) called with arguments. */
  | { type: "buscall"; name: string; nameSpan: Span; args: Arg[]; span: Span }
  | { type: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { type: "neg"; expr: Expr; span: Span }
  | { type: "chain"; left: Expr; right: Expr; span: Span }
  /** `left $ right`; right-nested, so `a $ b $ c` is `a $ (b $ c)`. */
  | { type: "dollar"; left: Expr; right: Expr; span: Span }
  /** `# expr` inside parentheses or a definition: an effect applied to whatever comes in. */
  | { type: "section"; body: Expr; span: Span }
  | { type: "list"; items: Expr[]; span: Span }
  | { type: "template"; name: string; span: Span }
  | { type: "patref"; name: string; span: Span };

export type Command = "resetCycles" | "setCycle" | "nudge" | "hush" | "unhush" | "panic";

export type Statement =
  | { type: "tempo"; cps: number; span: Span; meter?: string }
  | { type: "buffer"; size: number; span: Span }
  | { type: "outmix"; mode: string; span: Span; modeSpan: Span }
  | { type: "command"; command: Command; value?: number; channel?: number; span: Span }
  | { type: "output"; name: string; op: ":" | "$" | "#"; expr: Expr; span: Span; nameSpan: Span }
  /** `~name: e`, `~name $ e`, `~name # e` (modifier bus: re-instantiated at every use), `~f a b $ e` (function bus). */
  | { type: "bus"; name: string; params: string[]; op: ":" | "$" | "#"; expr: Expr; span: Span; nameSpan: Span }
  | { type: "template"; name: string; expr: Expr; span: Span; nameSpan: Span }
  | { type: "pattern"; name: string; expr: Expr; span: Span; nameSpan: Span }
  | { type: "fn"; name: string; params: string[]; expr: Expr; span: Span; nameSpan: Span };

export interface Program {
  statements: Statement[];
}

/** Move every span of a statement by `delta` characters (for reusing a parse after an edit above it). */
export function shiftStatement(s: Statement, delta: number): Statement {
  if (delta === 0) return s;
  return shiftAny(s, delta) as Statement;
}

/** Move every span of an expression by `delta` characters. */
export function shiftExpr(e: Expr, delta: number): Expr {
  if (delta === 0) return e;
  return shiftAny(e, delta) as Expr;
}

function shiftAny(x: unknown, delta: number): unknown {
  if (Array.isArray(x)) return x.map((v) => shiftAny(v, delta));
  if (x && typeof x === "object") {
    const o = x as Record<string, unknown>;
    if (typeof o.start === "number" && typeof o.end === "number" && Object.keys(o).length === 2) {
      return { start: o.start + delta, end: (o.end as number) + delta };
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = shiftAny(o[k], delta);
    return out;
  }
  return x;
}

/** `a $ b $ c` (nested to the right) as the list [a, b, c]. */
export function flattenDollar(e: Expr & { type: "dollar" }): Expr[] {
  const items: Expr[] = [e.left];
  let r = e.right;
  while (r.type === "dollar") {
    items.push(r.left);
    r = r.right;
  }
  items.push(r);
  return items;
}

/** Whether the leftmost operand is something a `#` input can go into: `x # lpf 800 * 0.3` filters, then scales. */
export function leftmostIsCall(e: Expr): boolean {
  if (e.type === "call" || e.type === "name" || e.type === "buscall" || e.type === "template" || e.type === "bus") return true;
  if (e.type === "binary") return leftmostIsCall(e.left);
  return false;
}
