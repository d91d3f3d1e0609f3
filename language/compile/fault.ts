//! Faults: a JavaScript error raised while evaluating or querying an expression, told in words a musician understands.
import { QueryLimitError } from "../pattern/limit.js";

/** The message for an error thrown by pattern code (the caller locates it at the expression). */
export function faultMessage(e: unknown): string {
  if (e instanceof QueryLimitError) return e.message;
  if (!(e instanceof Error)) return String(e);
  const m = e.message;
  if (e instanceof RangeError) {
    if (/call stack/i.test(m)) {
      return "this expression nests or repeats too deeply to evaluate (it ran out of stack); is something defined in terms of itself, or a count very large?";
    }
    if (/array length|allocation failed|string length/i.test(m)) {
      return "this would build a list too long to hold in memory (a range or count far beyond any musical use)";
    }
  }
  if (e instanceof TypeError) return `these values cannot be combined this way (${m})`;
  return m;
}
