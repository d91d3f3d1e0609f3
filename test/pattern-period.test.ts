//! Pattern periods: for every pattern that states one (`Pattern.period`), every cycle's haps are the first period's shifted by a whole number of periods — checked against plain queries over mini-notation, transforms, the Strudel oracle's cases and the bundled files' lanes; and the scheduler, which uses them, gives the same events with fewer queries.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { type OracleCase, applyOps, buildExpr, hapJson } from "../language/pattern/cases.js";
import type { Hap } from "../language/pattern/hap.js";
import { mini } from "../language/pattern/mini.js";
import { type Pattern, lcmPeriod } from "../language/pattern/pattern.js";
import { Rational } from "../language/pattern/rational.js";
import { Clock } from "../language/schedule/clock.js";
import { EventBatch } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const oracle = fileURLToPath(new URL("../../shared/oracle/cases.json", import.meta.url));

const show = (haps: Hap<unknown>[]): string =>
  JSON.stringify(haps.map((h) => hapJson(h)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));

/** Cycles −P .. max(99, 3P) of a periodic pattern (at least 100 cycles from 0, as issue 12 asks) against cycle c mod P shifted; returns how many were checked. */
function checkPeriod(what: string, p: Pattern<unknown>): number {
  const P = p.period;
  if (P === undefined) return 0;
  for (let c = -P; c <= Math.max(99, 3 * P); c++) {
    const base = ((c % P) + P) % P;
    const want = p.queryArc(c, c + 1);
    const d = Rational.of(c - base);
    const shifted = p.queryArc(base, base + 1).map((h) => h.withSpan((s) => s.withTime((t) => t.add(d))));
    expect(show(shifted), `${what}: cycle ${c} vs cycle ${base} shifted`).toBe(show(want));
  }
  return 1;
}

describe("pattern periods", () => {
  it("lcm of periods", () => {
    expect(lcmPeriod(2, 3, 4)).toBe(12);
    expect(lcmPeriod(1, undefined)).toBeUndefined();
    expect(lcmPeriod(48, 5)).toBeUndefined(); // 240 > the cached maximum
  });

  it("mini-notation and transforms: stated periods hold", () => {
    const sources = [
      "bd sn", "bd*2 [sn cp]", "<bd sn cp>", "<bd [sn sn]> hh", "[bd | sn]", "bd? sn", "bd(3,8)", "bd(<3 5>,8,<0 2>)",
      "{bd sn, hh hh hh}", "{bd sn cp}%4", "bd@3 sn", "bd! sn", "bd _ sn", "<bd sn>!3 cp", "<[a b] <c d e>>",
      "a . b c . d", "<a b>*3", "<a b c>/2", "a b c d e", "[a, b c, <d e f>]", "~ a ~ <b c>", "0 .. 3", "<0 .. 3>",
    ];
    let periodic = 0;
    for (const s of sources) {
      const p = mini(s) as Pattern<unknown>;
      periodic += checkPeriod(s, p);
      periodic += checkPeriod(`${s} fast 3/2`, p.fast(Rational.of(3, 2)));
      periodic += checkPeriod(`${s} slow 3`, p.slow(3));
      periodic += checkPeriod(`${s} late 1/3`, p.late(Rational.of(1, 3)));
      periodic += checkPeriod(`${s} compress`, p.compress(Rational.of(1, 4), Rational.of(3, 4)));
    }
    // The check is not vacuous: 70 of these 115 patterns state a period today (the rest are
    // random, or built by functions that state none); the random ones must not claim one.
    expect(periodic).toBeGreaterThanOrEqual(60);
    expect(mini("[bd | sn]").period).toBeUndefined();
    expect(mini("bd? sn").period).toBeUndefined();
    expect(mini("<a b c>").period).toBe(3);
  });

  const cases = existsSync(oracle) ? (JSON.parse(readFileSync(oracle, "utf8")) as OracleCase[]) : [];
  if (cases.length === 0) {
    console.warn(`pattern-period.test.ts: ${oracle} is missing (../shared); the oracle's patterns were NOT checked`);
    it.skip("the oracle's cases (needs ../shared/oracle)", () => {});
  } else {
    it("every case of the Strudel oracle: stated periods hold", () => {
      let periodic = 0;
      for (const c of cases) {
        let p: Pattern<unknown>;
        try {
          p = applyOps(buildExpr(c.expr), c.ops);
        } catch {
          continue;
        }
        periodic += checkPeriod(c.id ?? JSON.stringify(c.expr), p);
      }
      // Not vacuous: 71 of the 124 cases state a period today.
      expect(periodic).toBeGreaterThanOrEqual(60);
    });
  }

  it("every lane of the bundled files: stated periods hold, and the scheduler gives the same events with fewer queries", () => {
    let periodic = 0;
    for (const f of readdirSync(join(root, "patterns")).filter((f) => f.endsWith(".ph"))) {
      const r = compile(readFileSync(join(root, "patterns", f), "utf8"));
      const lanes = r.lanes ?? [];
      for (const l of lanes) periodic += checkPeriod(`${f} lane ${l.id}`, l.pattern as Pattern<unknown>);
      if (!r.ir) continue;
      // The file's own clock, and one whose cycle is not a whole number of frames (16 cps: 2756.25)
      // and starts off the grid (cycle 7/3 at frame 1234, as a live reload's rebased clock can):
      // the shifted onsets' frames, computed from integers, are the fresh queries' frames.
      for (const clock of [undefined, new Clock(44100, 16, 1234, Rational.of(7, 3))]) {
        const opts = { sampleRate: 44100, resolveSample: () => 0, warn: () => {}, clock };
        const cached = new Scheduler(r.ir, lanes, opts);
        const plain = new Scheduler(
          r.ir,
          lanes.map((l) => ({ ...l, pattern: (l.pattern as Pattern<unknown>).fmap((v) => v).periodic(undefined) })),
          opts,
        );
        const a = new EventBatch();
        const b = new EventBatch();
        for (let c = 0; c < 100; c++) {
          cached.schedule(c, a);
          plain.schedule(c, b);
        }
        expect(Array.from(a.view()), f).toEqual(Array.from(b.view()));
        if (lanes.some((l) => l.pattern.period !== undefined)) expect(cached.queries, f).toBeLessThan(plain.queries);
      }
    }
    // Not vacuous: 16 of the bundled files' 23 lanes state a period today.
    expect(periodic).toBeGreaterThanOrEqual(14);
  });
});
