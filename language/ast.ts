//! The syntax tree of a .ph program: statements and expressions, each with its source span.

/** A span of the source file: absolute character offsets [start, end). */
export interface Span {
  start: number;
  end: number;
}

export type Expr =
  | { type: "num"; value: number; span: Span }
  | { type: "str"; value: string; span: Span }
  | { type: "bus"; name: string; span: Span }
  | { type: "name"; name: string; span: Span }
  | { type: "call"; name: string; nameSpan: Span; args: Expr[]; span: Span }
  | { type: "binary"; op: "+" | "-" | "*" | "/"; left: Expr; right: Expr; span: Span }
  | { type: "neg"; expr: Expr; span: Span }
  | { type: "chain"; left: Expr; right: Expr; span: Span };

export type Statement =
  | { type: "tempo"; cps: number; span: Span }
  | { type: "output"; name: string; expr: Expr; span: Span }
  | { type: "bus"; name: string; expr: Expr; span: Span };

export interface Program {
  statements: Statement[];
}
