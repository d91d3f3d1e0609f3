//! Diagnostics: errors and warnings with line, column, a caret excerpt and suggestions.
import type { Span } from "./ast.js";

export type Severity = "error" | "warning";

/** Raised inside lowering to abandon one statement after its diagnostic was recorded. */
export class Abandon extends Error {}

export interface Diagnostic {
  severity: Severity;
  message: string;
  span: Span;
  /** 1-based line and column of span.start. */
  line: number;
  col: number;
  /** What the parser expected, when that is known. */
  expected?: string;
  /** Nearby valid names or a fix. */
  suggestion?: string;
}

/** Maps offsets to 1-based line/column. */
export class SourceMap {
  private readonly lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }
  /** The offset of 1-based line and column (clamped to the text). */
  offset(line: number, col: number): number {
    const start = this.lineStarts[Math.max(0, line - 1)] ?? this.text.length;
    return Math.min(this.text.length, start + Math.max(0, col - 1));
  }

  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? 0;
    const next = this.lineStarts[line];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, "");
  }
}

export function diagnostic(
  map: SourceMap,
  severity: Severity,
  message: string,
  span: Span,
  extra: { expected?: string; suggestion?: string } = {},
): Diagnostic {
  const { line, col } = map.position(span.start);
  return { severity, message, span, line, col, ...extra };
}

/** `file:line:col: error: message`, the source line and a caret under the span. */
export function formatDiagnostic(d: Diagnostic, map: SourceMap, file: string): string {
  const text = map.lineText(d.line);
  const width = Math.max(1, Math.min(d.span.end - d.span.start, text.length - d.col + 1));
  const gutter = String(d.line).length;
  const lines = [
    `${file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`,
    `${" ".repeat(gutter)} |`,
    `${d.line} | ${text}`,
    `${" ".repeat(gutter)} | ${" ".repeat(d.col - 1)}${"^".repeat(width)}`,
  ];
  if (d.suggestion) lines.push(`${" ".repeat(gutter)} = help: ${d.suggestion}`);
  return lines.join("\n");
}

/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Up to three known names closest to `name`, nearest first. */
export function nearest(name: string, known: Iterable<string>): string[] {
  const limit = Math.max(2, Math.floor(name.length / 2));
  return [...known]
    .map((k) => ({ k, d: distance(name, k) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map((x) => x.k);
}

export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  const near = nearest(name, known);
  return near.length ? `did you mean ${near.map((n) => `'${n}'`).join(", ")}?` : undefined;
}
