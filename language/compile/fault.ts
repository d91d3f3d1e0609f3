//! Faults: a JavaScript error raised while evaluating or querying an expression, told in words a musician understands.
import { QueryLimitError } from "../pattern/limit.js";
import { CycleError } from "./cycle.js";

/** What a stack overflow is reported as (compile/lower.ts looks for it to explain it as a cycle). */
export const STACK_OVERFLOW =
  "this expression nests or repeats too deeply to evaluate (it ran out of stack); is something defined in terms of itself, or a count very large?";

/**
 * Whether e is JavaScript's stack overflow, or a definition expanded inside itself (which would
 * become one). No regular expression here: this runs where the stack is nearly exhausted.
 */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof CycleError || (e instanceof RangeError && e.message.includes("call stack"));
}

/** The message for an error thrown by pattern code (the caller locates it at the expression). */
export function faultMessage(e: unknown): string {
  if (e instanceof QueryLimitError) return e.message;
  if (!(e instanceof Error)) return String(e);
  const m = e.message;
  if (isStackOverflow(e)) return STACK_OVERFLOW;
  if (e instanceof RangeError) {
    if (/array length|allocation failed|string length/i.test(m)) {
      return "this would build a list too long to hold in memory (a range or count far beyond any musical use)";
    }
  }
  const numeral = /^cannot parse as numeral: (.*)$/.exec(m);
  if (numeral) return `${numeral[1]} is not a number, and this needs numbers`;
  if (e instanceof TypeError) return `these values cannot be combined this way (${m})`;
  return m;
}
