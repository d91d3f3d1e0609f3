//! Tests of the whole .ph language: statement forms, line joining, precedence, the # chain rules, the three $ forms, pitch, routing, feedback and diagnostics.
import { describe, expect, it } from "vitest";
import type { Expr, Statement } from "../language/ast.js";
import { compile } from "../language/compile/lower.js";
import type { GraphIR, IRNode } from "../language/compile/ir.js";
import { formatDiagnostic } from "../language/diagnostics.js";
import { parse, parseExpr, splitStatements } from "../language/parse.js";

function ok(src: string) {
  const r = compile(src);
  const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnostic(d, r.map, "t.ph"));
  expect(errors).toEqual([]);
  return { ir: r.ir!, lanes: r.lanes, warnings: r.diagnostics.filter((d) => d.severity === "warning") };
}

function errors(src: string) {
  const r = compile(src);
  expect(r.ir).toBeUndefined();
  return r.diagnostics.filter((d) => d.severity === "error");
}

/** The onsets of a lane in [from, to) as "begin value" strings (controls as JSON). */
function onsets(r: ReturnType<typeof ok>, lane: number, from = 0, to = 1): string[] {
  return r.lanes[lane]!.pattern.queryArc(from, to)
    .filter((h) => h.hasOnset())
    .map((h) => `${h.whole!.begin.toString()} ${typeof h.value === "number" ? +h.value.toFixed(4) : JSON.stringify(h.value)}`)
    .sort((a, b) => {
      const [x, y] = [a.split(" ")[0]!, b.split(" ")[0]!].map((t) => (t.includes("/") ? Number(t.split("/")[0]) / Number(t.split("/")[1]) : Number(t)));
      const [u, v] = [a, b].map((t) => Number(t.split(" ")[1]));
      return x! - y! || (Number.isFinite(u) && Number.isFinite(v) ? u! - v! : a.localeCompare(b));
    });
}

/** An expression tree as an s-expression, for precedence tests. */
function sx(e: Expr | undefined): string {
  if (!e) return "<parse error>";
  switch (e.type) {
    case "num":
      return String(e.value);
    case "str":
      return JSON.stringify(e.value);
    case "bus":
      return `~${[e.name, ...e.path].join(":")}`;
    case "name":
      return e.name;
    case "call":
    case "buscall":
      return `(${e.type === "buscall" ? "~" : ""}${e.name} ${e.args.map((a) => (a.type === "kwarg" ? `:${a.name} ${sx(a.value)}` : sx(a))).join(" ")})`;
    case "binary":
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case "neg":
      return `(neg ${sx(e.expr)})`;
    case "chain":
      return `(# ${sx(e.left)} ${sx(e.right)})`;
    case "dollar":
      return `($ ${sx(e.left)} ${sx(e.right)})`;
    case "section":
      return `(#section ${sx(e.body)})`;
    case "list":
      return `[${e.items.map(sx).join(", ")}]`;
    case "template":
      return `@${e.name}`;
    case "patref":
      return `%${e.name}`;
  }
}

const kinds = (ir: GraphIR): string[] => ir.nodes.map((n) => n.kind);
const node = (ir: GraphIR, kind: string, k = 0): IRNode => ir.nodes.filter((n) => n.kind === kind)[k]!;
const stmt = (src: string): Statement => {
  const r = parse(src);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return r.program.statements[0]!;
};

describe("statements", () => {
  it("parses every statement form", () => {
    expect(stmt("fn thick f = saw f + saw (f * 1.01)")).toMatchObject({ type: "fn", name: "thick", params: ["f"] });
    expect(stmt("resetCycles")).toMatchObject({ type: "command", command: "resetCycles" });
    expect(stmt("setCycle 4")).toMatchObject({ type: "command", command: "setCycle", value: 4 });
    expect(stmt("nudge -0.1")).toMatchObject({ type: "command", command: "nudge", value: -0.1 });
    expect(stmt("hush")).toMatchObject({ type: "command", command: "hush" });
    expect(stmt("hush2")).toMatchObject({ type: "command", command: "hush", channel: 2 });
    expect(stmt("unhush3")).toMatchObject({ type: "command", command: "unhush", channel: 3 });
    expect(stmt("panic")).toMatchObject({ type: "command", command: "panic" });
    expect(stmt("tempo: 1.5")).toMatchObject({ type: "tempo", cps: 1.5 });
    expect(stmt("cps: 0.25")).toMatchObject({ type: "tempo", cps: 0.25 });
    expect(stmt('bpm: 120 "3/4"')).toMatchObject({ type: "tempo", cps: 2, meter: "3/4" });
    expect(stmt("buffer: 256")).toMatchObject({ type: "buffer", size: 256 });
    expect(stmt("outmix: tanh")).toMatchObject({ type: "outmix", mode: "tanh" });
    for (const [src, name, op] of [["out: 1", "out", ":"], ["out $ 1", "out", "$"], ["out # 1", "out", "#"], ["o2: 1", "o2", ":"], ["out3 $ 1", "out3", "$"], ["d1: 1", "d1", ":"]] as const) {
      expect(stmt(src)).toMatchObject({ type: "output", name, op });
    }
    expect(stmt("~bass: saw 55")).toMatchObject({ type: "bus", name: "bass", op: ":", params: [] });
    expect(stmt("~bass $ saw 55")).toMatchObject({ type: "bus", name: "bass", op: "$" });
    expect(stmt("~lfo # sine 0.25")).toMatchObject({ type: "bus", name: "lfo", op: "#" });
    expect(stmt("~voice pitch amp $ sine pitch * amp")).toMatchObject({ type: "bus", name: "voice", params: ["pitch", "amp"] });
    expect(stmt("@room: # reverb 0.5 0.5")).toMatchObject({ type: "template", name: "room" });
    expect(stmt('%speeds: "1 2"')).toMatchObject({ type: "pattern", name: "speeds" });
  });

  it("joins continuation lines; blank and comment lines end a statement; commands start one", () => {
    const src = "out: saw 55\n  # lpf 800 -- cutoff\n  * 0.5\n\n~a: sine 1\n-- a comment\n  * 2\nhush\n";
    const chunks = splitStatements(src).map((c) => src.slice(c.start, c.end));
    expect(chunks).toEqual(["out: saw 55\n  # lpf 800 -- cutoff\n  * 0.5", "~a: sine 1", "* 2", "hush"]);
    const r = compile("out: saw 55\n  # lpf 800\n  * 0.5");
    expect(kinds(r.ir!)).toEqual(["saw", "lpf", "mul"]);
  });

  it("lets the last definition of a bus, an output and the tempo win", () => {
    const { ir } = ok("tempo: 1\n~a: sine 100\nout: ~a\n~a: sine 200\ntempo: 2");
    expect(ir.cps).toBe(2);
    expect(ir.nodes.map((n) => n.params.freq)).toEqual([{ const: 200 }]);
  });

  it("records live commands, outmix and buffer in the IR; hush silences, unhush restores", () => {
    const { ir } = ok("outmix: sqrt\nbuffer: 128\nout: sine 1\no2: sine 2\nhush2\nsetCycle 8\nnudge 0.02\nresetCycles\npanic");
    expect(ir.outmix).toBe("sqrt");
    expect(ir.buffer).toBe(128);
    expect(ir.control).toEqual({ setCycle: 8, nudge: 0.02, resetCycles: true, panic: true });
    expect(ir.outputs.map((o) => o.name)).toEqual(["out"]);
    expect(ok("out: sine 1\no2: sine 2\nhush2\n\nunhush2").ir.outputs.map((o) => o.name)).toEqual(["out", "out2"]);
    expect(ok("out: sine 1\nhush").ir.outputs).toEqual([]);
  });
});

describe("expressions", () => {
  it("follows the precedence # < $ < + - < * / < unary minus < juxtaposition", () => {
    expect(sx(parseExpr("a # f $ g + h * i"))).toBe("(# a ($ f (+ g (* h i))))");
    expect(sx(parseExpr("a $ b $ c"))).toBe("($ a ($ b c))");
    expect(sx(parseExpr("x # y # z"))).toBe("(# (# x y) z)");
    expect(sx(parseExpr("-f 3 * 2"))).toBe("(* (neg (f 3)) 2)");
    expect(sx(parseExpr("a |+ b |* c ~- d"))).toBe("(~- (|+ a (|* b c)) d)");
    expect(sx(parseExpr('"1 2" +| "3" |> "4" <| "5"'))).toBe('(<| (|> (+| "1 2" "3") "4") "5")');
    expect(sx(parseExpr("a - b - c"))).toBe("(- (- a b) c)");
  });

  it("takes non-greedy arguments: numbers, strings, buses, parentheses, lists, bare names, keywords", () => {
    expect(sx(parseExpr("lpf (~lfo * 2000 + 500) 0.8"))).toBe("(lpf (+ (* ~lfo 2000) 500) 0.8)");
    expect(sx(parseExpr('every 4 rev "a b"'))).toBe('(every 4 rev "a b")');
    expect(sx(parseExpr("sine mtof 60"))).toBe("(sine mtof 60)");
    expect(sx(parseExpr("reverb :room_size 1 :mix 0.5"))).toBe("(reverb :room_size 1 :mix 0.5)");
    expect(sx(parseExpr('stack [s "bd" # speed 2, saw 55]'))).toBe('(stack [(# (s "bd") (speed 2)), (saw 55)])');
    expect(sx(parseExpr("~f 1 ~g"))).toBe("(~f 1 ~g)");
    expect(sx(parseExpr("~midi:c:major"))).toBe("~midi:c:major");
    expect(sx(parseExpr("speed -0.66"))).toBe("(speed -0.66)");
    expect(sx(parseExpr("x - 1"))).toBe("(- x 1)");
    expect(sx(parseExpr("saw 110 - 1"))).toBe("(- (saw 110) 1)");
    expect(sx(parseExpr("@t # %p"))).toBe("(# @t %p)");
  });

  it("parses effect sections in parentheses", () => {
    expect(sx(parseExpr("every 4 (# lpf 300)"))).toBe("(every 4 (#section (lpf 300)))");
    expect(sx(parseExpr("every 4 (fast 2 $ # lpf 300)"))).toBe("(every 4 ($ (fast 2) (#section (lpf 300))))");
    expect(sx(parseExpr("every 4 (fast 2 $ rev)"))).toBe("(every 4 ($ (fast 2) rev))");
  });
});

describe("the # chain", () => {
  it("passes the left side as the call's first argument", () => {
    const { ir } = ok("out: saw 55 # lpf 800 0.7");
    expect(node(ir, "lpf").params).toEqual({ in: { node: 0 }, cutoff: { const: 800 }, q: { const: 0.7 } });
  });

  it("applies an operator after the call: x # lpf 800 * 0.3 scales the filter's output", () => {
    const { ir } = ok("out: saw 55 # lpf 800 * 0.3 + 0.1");
    expect(kinds(ir)).toEqual(["saw", "lpf", "mul", "add"]);
    expect(node(ir, "mul").params).toEqual({ a: { node: 1 }, b: { const: 0.3 } });
  });

  it("re-instantiates an ordinary bus with the chain input", () => {
    const { ir } = ok("~fx: lpf 300\nout: (saw 55 # ~fx) + (sine 3 # ~fx * 0.5)");
    const lpfs = ir.nodes.filter((n) => n.kind === "lpf");
    expect(lpfs).toHaveLength(2);
    expect(lpfs.map((n) => ir.nodes[(n.params.in as { node: number }).node]!.kind).sort()).toEqual(["saw", "sine"]);
  });

  it("splices a modifier bus and re-instantiates it at every use; an ordinary bus is computed once", () => {
    expect(ok("~lfo # sine 0.5\nout: ~lfo + ~lfo").ir.nodes.filter((n) => n.kind === "sine")).toHaveLength(2);
    expect(ok("~lfo: sine 0.5\nout: ~lfo + ~lfo").ir.nodes.filter((n) => n.kind === "sine")).toHaveLength(1);
    const { ir } = ok("~soft # lpf 500 # gain 0.5\nout: saw 55 # ~soft");
    expect(kinds(ir)).toEqual(["saw", "lpf", "mul"]);
  });

  it("expands templates in chains, after $ and on their own", () => {
    expect(kinds(ok("@dark: # lpf 400 # gain 0.5\nout: saw 55 # @dark").ir)).toEqual(["saw", "lpf", "mul"]);
    const r = ok('@busy: fast 2 $ rev\nout: s "a b" $ @busy');
    expect(onsets(r, 0)).toEqual(['0 {"s":"b"}', '1/4 {"s":"a"}', '1/2 {"s":"b"}', '3/4 {"s":"a"}']);
    expect(kinds(ok("@tone: sine 220\nout: @tone * 0.1").ir)).toEqual(["sine", "mul"]);
  });

  it("calls a bare name with the input", () => {
    const { ir } = ok("out: impulse 2 # timer");
    // The engine's timer measures time since its gate rose: the chained input is that gate.
    expect(node(ir, "timer").params).toEqual({ gate: { node: 0 } });
  });

  it("multiplies a signal by an attack-release envelope: x # ar a r, x # attack a, x # release r", () => {
    // The catalogue: `ar` "multiplies its input"; the reference (phonon-language.md §1.3): after a signal, `attack`,
    // `release` and `ar` fall back to an amplitude envelope. Before, the engine refused the graph (its `ar` has no `in`).
    const plain = (src: string) => ok(src).ir.nodes.map((n) => ({ kind: n.kind, params: n.params }));
    expect(plain("out: sine 440 # ar 0.1 0.5")).toEqual(plain("out: sine 440 * ar 0.1 0.5"));
    expect(plain("out: sine 440 # attack 0.1")).toEqual(plain("out: sine 440 * ar :attack 0.1"));
    expect(plain("out: sine 440 # release 0.5")).toEqual(plain("out: sine 440 * ar :release 0.5"));
    expect(plain('~x: saw\nout: s "~x" # lpf 200 # attack 0.01')).toEqual(plain('~x: saw\nout: s "~x" # lpf 200 * ar :attack 0.01'));
    expect(node(ok("out: sine 440 # ar 0.1 0.5").ir, "ar").params).toEqual({ attack: { const: 0.1 }, release: { const: 0.5 } });
  });

  it("keeps sample parameters on the events until a non-sample node, then refuses them", () => {
    const r = ok('out: s "bd sn:2" # n 3 # speed 2 # gain 0.5 # pan -1');
    expect(onsets(r, 0)).toEqual(['0 {"s":"bd","n":3,"speed":2,"gain":0.5,"pan":0}', '1/2 {"s":"sn","n":3,"speed":2,"gain":0.5,"pan":0}']);
    const e = errors('out: s "bd" # lpf 800 # speed 2');
    expect(e[0]!.message).toMatch(/'speed' sets a sample parameter/);
    // gain after a filter multiplies instead.
    expect(kinds(ok('out: s "bd" # lpf 800 # gain 0.5').ir)).toEqual(["sampler", "lpf", "mul"]);
  });
});

describe("the three forms of $", () => {
  it("form 1 applies the transforms left to right", () => {
    // fast 2 of "a b" is a b a b; rev of that cycle is b a b a.
    expect(onsets(ok('out: s "a b" $ fast 2 $ rev'), 0)).toEqual(['0 {"s":"b"}', '1/4 {"s":"a"}', '1/2 {"s":"b"}', '3/4 {"s":"a"}']);
  });

  it("form 2 (Tidal style) applies the innermost first", () => {
    // rev "a b c" is c b a; fast 2 plays it twice.
    expect(onsets(ok('out: fast 2 $ rev $ s "a b c"'), 0).map((x) => x.split(" ")[1])).toEqual(['{"s":"c"}', '{"s":"b"}', '{"s":"a"}', '{"s":"c"}', '{"s":"b"}', '{"s":"a"}']);
  });

  it("form 3 appends the right side as the last argument", () => {
    expect(ok("out: sine $ 440").ir.nodes[0]!.params).toEqual({ freq: { const: 440 } });
    expect(kinds(ok("out: lpf (saw 55) $ 300 + 200").ir)).toEqual(["saw", "lpf"]);
  });

  it("applies transforms to numeric patterns that feed signals", () => {
    const r = ok('out: saw "100 200" $ fast 2');
    expect(onsets(r, 0)).toEqual(["0 100", "1/4 200", "1/2 100", "3/4 200"]);
    const inside = ok('out: saw ("100 200" $ rev)');
    expect(onsets(inside, 0)).toEqual(["0 200", "1/2 100"]);
  });

  it("applies transform buses and named patterns", () => {
    expect(onsets(ok('~twice $ fast 2\nout: s "a" $ ~twice'), 0)).toEqual(['0 {"s":"a"}', '1/2 {"s":"a"}']);
    // fast "1 2": the first half at speed 1 (a at 0), the second at speed 2 (a at 1/2).
    expect(onsets(ok('%p: "1 2"\nout: s "a" $ fast %p'), 0)).toEqual(['0 {"s":"a"}', '1/2 {"s":"a"}']);
    expect(onsets(ok('%n: 3\nout: s "a" $ fast %n'), 0)).toHaveLength(3);
  });

  it("switches an effect in per cycle: every 2 (# lpf 300)", () => {
    const r = ok('out: s "a" $ every 2 (# lpf 300)');
    expect(kinds(r.ir)).toEqual(["sampler", "lpf", "xfade"]);
    const pos = r.ir.lanes.find((l) => l.param === "pos")!;
    // every 2 applies in cycle 0 and 2, not 1.
    expect(onsets(r, pos.id, 0, 3)).toEqual(["0 1", "1 0", "2 1"]);
  });

  it("plucks a string tuned by a pattern at each of its events (string.rs: a rising gate replucks)", () => {
    const r = ok('out: pluck "220 ~ 330" 0.5');
    const gate = r.ir.lanes.find((l) => l.param === "gate")!;
    expect(gate.kind).toBe("gate");
    expect(r.ir.lanes.find((l) => l.param === "freq")!.node).toBe(gate.node);
    expect(onsets(r, gate.id).map((x) => x.split(" ")[0])).toEqual(["0", "2/3"]);
    // A constant frequency keeps the kind's own gate: struck once, at the start.
    expect(ok("out: pluck 220").ir.lanes).toEqual([]);
  });

  it("composes transforms in parentheses and applies them as function arguments", () => {
    const r = ok('out: s "a b" $ every 2 (fast 2 $ rev)');
    expect(onsets(r, 0).map((x) => x.split(" ")[1])).toEqual(['{"s":"b"}', '{"s":"a"}', '{"s":"b"}', '{"s":"a"}']);
    expect(onsets(r, 0, 1, 2).map((x) => x.split(" ")[1])).toEqual(['{"s":"a"}', '{"s":"b"}']);
    expect(onsets(ok('out: s "a b" $ jux rev'), 0)).toEqual(['0 {"s":"a","pan":0}', '0 {"s":"b","pan":1}', '1/2 {"s":"a","pan":1}', '1/2 {"s":"b","pan":0}']);
  });

  it("gives stut, swing and shuffle Phonon's meanings in .ph and keeps Strudel's reachable (issue 16, ../shared/language.md)", () => {
    // Phonon's stut n time decay: 3 copies 1/4 cycle apart, the gain halving each time.
    // (The decay is kept in stutGain, which the scheduler multiplies into the gain, as Phonon's stut_gain.)
    expect(onsets(ok('out: s "a" $ stut 3 0.25 0.5'), 0)).toEqual(['0 {"s":"a","stutGain":1}', '1/4 {"s":"a","stutGain":0.5}', '1/2 {"s":"a","stutGain":0.25}']);
    // Tidal's stut count feedback time, spelled stut_tidal, is the same sound.
    expect(onsets(ok('out: s "a" $ stut_tidal 3 0.5 0.25'), 0)).toEqual(['0 {"s":"a","gain":1}', '1/4 {"s":"a","gain":0.5}', '1/2 {"s":"a","gain":0.25}']);
    // Strudel's swing 4 = swingBy(1/3, 4): the second half of each 1/4-cycle slice later by
    // x/(2n) = (1/3)/8 = 1/24 cycle (reference/strudel-semantics.md, rule 26): 1/8 + 1/24 = 1/6.
    expect(onsets(ok('out: s "a*8" $ swing_by (1/3) 4'), 0).map((x) => x.split(" ")[0])).toEqual(["0", "1/6", "1/4", "5/12", "1/2", "2/3", "3/4", "11/12"]);
    // Phonon's swing 0.0625: every second of the eight events 1/16 cycle later.
    expect(onsets(ok('out: s "a*8" $ swing 0.0625'), 0).map((x) => x.split(" ")[0])).toEqual(["0", "3/16", "1/4", "7/16", "1/2", "11/16", "3/4", "15/16"]);
    // Strudel's shuffle 4, spelled shuffle_parts: the four quarters in a random order, each still a quarter long.
    expect(onsets(ok('out: s "a b c d" $ shuffle_parts 4'), 0).map((x) => x.split(" ")[0])).toEqual(["0", "1/4", "1/2", "3/4"]);
  });

  it("explains a $ whose right side is not a transform", () => {
    const e = errors("out: saw 55 $ lpff 300");
    expect(e[0]!.message).toMatch(/unknown function 'lpff'|expected a transform/);
  });
});

describe("arithmetic", () => {
  it("makes a bare oscillator a 1 Hz LFO", () => {
    expect(ok("out: sine * 0.5").ir.nodes[0]!.params).toEqual({ freq: { const: 1 } });
  });

  it("folds constants", () => {
    expect(ok("out: sine (440 * 2 - 80 / 2)").ir.nodes[0]!.params).toEqual({ freq: { const: 840 } });
  });

  it("combines two patterns with Tidal's structure operators", () => {
    // Both structures: wholes are the intersections of [0,½)[½,1) and [0,⅓)[⅓,⅔)[⅔,1); at ½ the right holds 20.
    expect(onsets(ok('out: sine ("1 2" + "10 20 30")'), 0)).toEqual(["0 11", "1/3 21", "1/2 22", "2/3 32"]);
    // Structure from the left: 1+10 at 0, 2+20 at ½ (the right value at each left onset).
    expect(onsets(ok('out: sine ("1 2" |+ "10 20 30")'), 0)).toEqual(["0 11", "1/2 22"]);
    // Structure from the right.
    expect(onsets(ok('out: sine ("1 2" +| "10 20 30")'), 0)).toEqual(["0 11", "1/3 21", "2/3 32"]);
    // |> keeps the left's structure and takes the right's values.
    expect(onsets(ok('out: sine ("1 2" |> "10 20 30")'), 0)).toEqual(["0 10", "1/2 20"]);
    expect(onsets(ok('out: sine ("1 2" |* 3)'), 0)).toEqual(["0 3", "1/2 6"]);
  });

  it("reads note names as MIDI numbers in arithmetic and as Hz in a signal string", () => {
    expect(onsets(ok('out: sine ("c4 e4" + 12)'), 0)).toEqual(["0 72", "1/2 76"]);
    // a4 = 440 Hz, c4 = 261.6256 Hz (MIDI 60), the octave defaults to 4.
    expect(onsets(ok('out: sine "a4 c4 a"'), 0)).toEqual(["0 440", "1/3 261.6256", "2/3 440"]);
    expect(onsets(ok('out: sine (mtof "69 57")'), 0)).toEqual(["0 440", "1/2 220"]);
  });

  it("makes signal arithmetic with ~ operators and with signals", () => {
    const { ir } = ok('out: "1 2" ~+ "3"');
    expect(kinds(ir)).toEqual(["add"]);
    expect(ir.lanes.map((l) => l.param)).toEqual(["a", "b"]);
    expect(kinds(ok('out: saw 55 * "1 0.5"').ir)).toEqual(["saw", "mul"]);
    expect(kinds(ok("out: ~add (sine 1) 2").ir)).toEqual(["sine", "add"]);
    expect(kinds(ok("out: 0.2 ~/ sine 3").ir)).toEqual(["sine", "div"]);
  });

  it("negates with unary minus", () => {
    expect(ok("out: sine 1 * -(square 2)").ir.nodes.map((n) => n.kind)).toEqual(["sine", "square", "mul", "mul"]);
    expect(onsets(ok('out: sine (-"1 2")'), 0)).toEqual(["0 -1", "1/2 -2"]);
  });
});

describe("pitch", () => {
  it("expands chords to one voice per note with gain 1/√N", () => {
    const r = ok('~x: saw\nout: s "~x" # note "c4\'maj"');
    const g = 1 / Math.sqrt(3);
    expect(r.lanes[0]!.pattern.queryArc(0, 1).map((h) => h.value)).toEqual([60, 64, 67].map((m) => ({ s: "~x", midi: m, chordGain: g })));
    expect(onsets(ok("out: sine (n \"c'min7\")"), 0)).toHaveLength(4);
  });

  it("maps scale degrees to semitones, wrapping octaves", () => {
    expect(onsets(ok('out: sine (n "0 2 4 7" # scale "major")'), 0)).toEqual(["0 0", "1/4 4", "1/2 7", "3/4 12"]);
    expect(onsets(ok('out: sine (n "0 1 2 -1" # scale "minor")'), 0)).toEqual(["0 0", "1/4 2", "1/2 3", "3/4 -2"]);
    expect(errors('out: sine (n "0" # scale "minr")')[0]!.suggestion).toContain("'minor'");
  });

  it("stacks chord intervals on roots", () => {
    expect(onsets(ok('out: sine (n "0 5" # chord "maj")'), 0)).toEqual(["0 0", "0 4", "0 7", "1/2 5", "1/2 9", "1/2 12"]);
  });

  it("plays a bus as a synth: a voices node, a template whose oscillators follow the note", () => {
    const { ir, lanes } = ok('~s: saw 220 # lpf 900\nout: s "~s*2" # note "a4 3"');
    expect(kinds(ir)).toEqual(["voices"]);
    expect(ir.templates).toHaveLength(1);
    const t = ir.templates[0]!;
    expect(t.name).toBe("s");
    expect(t.nodes.map((n) => n.kind)).toEqual(["saw", "lpf"]);
    expect(t.output).toBe(1);
    expect(t.pitch).toEqual([{ node: 0, param: "freq", base: 220 }]);
    expect(lanes[0]!.target).toBe("voices");
    expect(lanes[0]!.pattern.queryArc(0, 1).map((h) => h.value)).toEqual([
      { s: "~s", midi: 69 },
      { s: "~s", note: 3 },
    ]);
  });

  it("tunes the audio-rate oscillators of a synth and leaves its LFOs alone", () => {
    const t = ok('~s: saw 220 + saw 330 # lpf (sine 0.5 * 400 + 900)\nout: s "~s"').ir.templates[0]!;
    expect(t.pitch.map((p) => [t.nodes[p.node]!.kind, p.base])).toEqual([["saw", 220], ["saw", 330]]);
  });

  it("turns an oscillator with a note pattern into an inline synth", () => {
    const { ir } = ok('out: tri # note "c4 e4" # ar 0.01 0.2');
    expect(kinds(ir)).toEqual(["voices"]);
    expect(ir.templates[0]!.nodes.map((n) => n.kind)).toEqual(["tri"]);
    expect(ir.templates[0]!.pitch).toEqual([{ node: 0, param: "freq", base: 1 }]);
  });

  it("plays samples and synth voices from one pattern", () => {
    const { ir, lanes } = ok('~x: sine 330\nout: s "bd [cp, ~ ~x]"');
    expect(kinds(ir)).toEqual(["sampler", "voices", "add"]);
    expect(lanes.map((l) => l.pattern.queryArc(0, 1).map((h) => (h.value as { s: string }).s))).toEqual([["bd", "cp"], ["~x"]]);
  });

  it("makes note-pattern synths", () => {
    const { ir, lanes } = ok('out: synth "c3 g3" "square" 0.01 0.1 0.5 0.2');
    expect(ir.templates[0]!.nodes.map((n) => n.kind)).toEqual(["square"]);
    expect(lanes[0]!.pattern.queryArc(0, 1)[0]!.value).toEqual({ s: "~", midi: 48, attack: 0.01, decay: 0.1, sustain: 0.5, release: 0.2 });
  });
});

describe("routing and feedback", () => {
  it("auto-routes ~master, else ~out, else ~d1… and ~out1… at unity, else every bus × 0.25", () => {
    expect(ok("~a: sine 1\n~master: sine 2").ir.outputs.map((o) => o.name)).toEqual(["~master"]);
    expect(ok("~a: sine 1\n~out: sine 2").ir.outputs.map((o) => o.name)).toEqual(["~out"]);
    const d = ok("~a: sine 1\n~d1: sine 2\n~out2: sine 3").ir;
    expect(d.outputs.map((o) => o.name)).toEqual(["~d1", "~out2"]);
    expect(kinds(d)).toEqual(["sine", "sine"]);
    const all = ok("~a: sine 1\n~b: saw 2").ir;
    expect(all.outputs.map((o) => o.name)).toEqual(["~a", "~b"]);
    expect(all.nodes.filter((n) => n.kind === "mul").map((n) => n.params.b)).toEqual([{ const: 0.25 }, { const: 0.25 }]);
  });

  it("breaks a bus that reads itself with a one-block delay (prev)", () => {
    const { ir } = ok("~a: sine 1 + ~a * 0.5\nout: ~a");
    expect(kinds(ir)).toEqual(["sine", "mul", "add"]);
    expect(node(ir, "mul").params.a).toEqual({ prev: 2 });
  });

  it("breaks a cycle of buses the same way", () => {
    const { ir } = ok("~a: sine 1 + ~b\n~b: ~a # lpf 300\nout: ~a");
    const lpf = node(ir, "lpf");
    expect(lpf.params.in).toEqual({ prev: ir.nodes.findIndex((n) => n.kind === "add") });
  });

  it("shares a bus read many times", () => {
    const { ir } = ok("~osc: sine 220\nout: ~osc * 0.3 + ~osc * 0.2");
    expect(ir.nodes.filter((n) => n.kind === "sine")).toHaveLength(1);
  });
});

describe("functions", () => {
  it("calls fn definitions and function buses with their arguments", () => {
    const { ir } = ok("fn thick f = saw f + saw (f * 2)\n~v p a $ sine p * a\nout: thick 100 + ~v 300 0.5");
    expect(ir.nodes.filter((n) => n.kind === "saw").map((n) => n.params.freq)).toEqual([{ const: 100 }, { const: 200 }]);
    expect(node(ir, "sine").params.freq).toEqual({ const: 300 });
  });

  it("passes the chain input as a function's first argument", () => {
    const { ir } = ok("fn soft x c = x # lpf c\nout: saw 55 # soft 300");
    expect(node(ir, "lpf").params).toEqual({ in: { node: 0 }, cutoff: { const: 300 } });
  });

  it("checks the number of arguments", () => {
    expect(errors("fn f a b = a + b\nout: f 1")[0]!.message).toBe("'f' takes 2 arguments (a, b), not 1");
    expect(errors("~v p $ sine p\nout: ~v")[0]!.message).toMatch(/function bus/);
  });

  it("takes keyword arguments by name and alias", () => {
    const { ir } = ok("out: saw 55 # reverb :room 0.8 :damping 0.2 :mix 0.4");
    expect(node(ir, "reverb").params).toEqual({ in: { node: 0 }, room_size: { const: 0.8 }, damping: { const: 0.2 }, mix: { const: 0.4 } });
    const e = errors("out: saw 55 # lpf 300 :res 2");
    expect(e[0]!.message).toBe("'lpf' has no parameter 'res'");
    expect(e[0]!.suggestion).toContain(":cutoff :q");
  });

  it("sums stack items and plays a list of sounds as one pattern", () => {
    expect(kinds(ok("out: stack [saw 55, sine 110]").ir)).toEqual(["saw", "sine", "add"]);
    const r = ok('out: stack [s "a", s "b" # speed 2]');
    expect(kinds(r.ir)).toEqual(["sampler"]);
    expect(onsets(r, 0)).toEqual(['0 {"s":"a"}', '0 {"s":"b","speed":2}']);
    expect(onsets(ok('out: s (cat ["a", "b c"])'), 0, 1, 2)).toEqual(['1 {"s":"b"}', '3/2 {"s":"c"}']);
  });
});

describe("diagnostics", () => {
  it("names unknown functions, buses, templates and patterns with the nearest names", () => {
    expect(errors("out: lpff 300")[0]!.suggestion).toContain("'lpf'");
    expect(errors("~drums: sine 1\nout: ~drum")[0]!.suggestion).toContain("'~drums'");
    expect(errors("@dark: # lpf 300\nout: saw 1 # @drak")[0]!.suggestion).toContain("'@dark'");
    expect(errors('%speed: "1 2"\nout: s "a" $ fast %sped')[0]!.suggestion).toContain("'%speed'");
    expect(errors("~lfo: sine 1\nout: lfo")[0]!.suggestion).toBe("to read the bus, write '~lfo'");
  });

  it("refuses plugin hosting and MIDI input as not supported", () => {
    expect(errors('out: saw 55 # vst "Dexed"')[0]!.message).toMatch(/plugin hosting .* not supported/);
    expect(errors("out: saw ~midi")[0]!.message).toMatch(/MIDI input, which is not supported/);
    expect(errors('out: synth "saw"')[0]!.message).toMatch(/MIDI input/);
  });

  it("points into a pattern string at the broken spot", () => {
    const d = errors('out: s "bd [sn"')[0]!;
    expect([d.line, d.col]).toEqual([1, 15]);
  });

  it("reports every error of a file once, with file:line:col, the line and a caret", () => {
    const r = compile("~a: sine (440\nout: sqare 3 + ~a\n~c: saw 1 +\no2: lpf");
    expect(r.diagnostics.map((d) => d.line)).toEqual([1, 2, 3, 4]);
    const text = formatDiagnostic(r.diagnostics[1]!, r.map, "x.ph");
    expect(text).toBe("x.ph:2:6: error: unknown function 'sqare'\n  |\n2 | out: sqare 3 + ~a\n  |      ^^^^^\n  = help: did you mean 'square', 'scale'?");
  });

  it("checks definitions: duplicate parameters, names that hide builtins", () => {
    expect(errors("fn f a a = a\nout: f 1 2")[0]!.message).toBe("the parameter 'a' is listed twice");
    expect(ok("fn lpf x = x * 2\nout: lpf 3").warnings[0]!.message).toBe("'fn lpf' hides the builtin 'lpf' in this file");
    expect(errors("~f a # a * 2\nout: ~f 1")[0]!.message).toMatch(/function bus is written with '\$' or ':'/);
  });

  it("suggests juxtaposition for parenthesised calls", () => {
    expect(errors("out: lpf(1000, 0.8)")[0]!.suggestion).toMatch(/juxtaposition/);
  });

  it("warns about an argument it ignores and a missing output", () => {
    expect(ok("out: saw 1 # lpf 300 1 2").warnings[0]!.message).toMatch(/extra one is ignored/);
    expect(ok("tempo: 1").warnings[0]!.message).toMatch(/nothing to play/);
  });

  it("never throws, whatever the input", () => {
    const pieces = ["out:", "~a", "$", "#", "(", ")", "[", "]", '"bd', '"', "sine", "fast 2", "lpf", "*", "-", "--", ":x", "@t", "%p", "\n", " ", "1", "~a:", "fn f x =", ",", "s", "every"];
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 400; i++) {
      const src = Array.from({ length: 3 + Math.floor(rand() * 12) }, () => pieces[Math.floor(rand() * pieces.length)]).join(" ");
      expect(() => compile(src)).not.toThrow();
    }
  });
});
