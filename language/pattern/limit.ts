//! Query limits: refuse a query that would produce more events than any musical use needs.

/**
 * The most haps (or cycle slices) one query may produce; "a*1e9" over a cycle is refused. The
 * engine holds 49,152 events in flight, so a cycle of more could not play anyway; and at a few
 * µs a hap, a query within the limit takes well under a second.
 */
export const MAX_HAPS_PER_QUERY = 50_000;

/**
 * The limit in force: MAX_HAPS_PER_QUERY, except inside withQueryLimit (an offline answer to an
 * oracle case, where no engine has to hold the events: Strudel itself has no limit).
 */
let limit = MAX_HAPS_PER_QUERY;

/** The most haps (or cycle slices) one query may produce here and now. */
export function queryLimit(): number {
  return limit;
}

/** Run f with queries limited to n haps instead of MAX_HAPS_PER_QUERY. */
export function withQueryLimit<R>(n: number, f: () => R): R {
  const saved = limit;
  limit = n;
  try {
    return f();
  } finally {
    limit = saved;
  }
}

/** Thrown when a query would exceed the limit (MAX_HAPS_PER_QUERY, or withQueryLimit's). */
export class QueryLimitError extends Error {
  constructor(what: string) {
    super(
      `pattern query refused: ${what} would produce more than ${limit.toLocaleString("en")} events ` +
        `(is a speed-up like "*1e9" or fast 1e9 intended?)`,
    );
    this.name = "QueryLimitError";
  }
}

/** Haps left for the current top-level query (queryArc sets it; Infinity outside one). */
let budget = Infinity;

/** Account for n new haps; throws QueryLimitError when the current query's budget runs out. */
export function spendHaps(n: number): void {
  budget -= n;
  if (budget < 0) {
    budget = Infinity;
    throw new QueryLimitError("this query");
  }
}

/** Run f with a fresh budget, restoring the outer one afterwards. */
export function withBudget<R>(f: () => R): R {
  const saved = budget;
  budget = limit;
  try {
    return f();
  } finally {
    budget = saved;
  }
}

/** The largest count a transform may build structure for (copies, slices, steps). */
export const MAX_COUNT = 100_000;

/** Thrown when a count is beyond MAX_COUNT; its message names the count and the limit. */
export class CountLimitError extends QueryLimitError {
  constructor(what: string, n: number, limit = MAX_COUNT, why = "the most copies, slices, steps or values a pattern may be built from") {
    super(what);
    this.message = `${what} ${n} is beyond the limit of ${limit.toLocaleString("en")} (${why})`;
    this.name = "CountLimitError";
  }
}

/** A count argument (iter n, chop n, euclid steps, ...), refused when it would build runaway structure. */
export function checkCount(n: number, what: string): number {
  if (!Number.isFinite(n) || Math.abs(n) > MAX_COUNT) throw new CountLimitError(what, n);
  return n;
}
