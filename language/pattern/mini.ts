//! Mini-notation: parse a string with grammar/mini.ohm into an AST, then into a Pattern.
import * as ohm from "ohm-js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Pattern, fastcat, pure, silence, slowcat, stack } from "./pattern.js";

const grammarPath = fileURLToPath(new URL("../grammar/mini.ohm", import.meta.url));
const grammar = ohm.grammar(readFileSync(grammarPath.replace(/\/dist\/language\//, "/language/"), "utf8"));

/** A value held by a mini-notation atom: a number when the word reads as one, else the word. */
export type MiniValue = number | string;

export type MiniNode =
  | { type: "atom"; value: MiniValue; offset: number; length: number }
  | { type: "rest"; offset: number }
  | { type: "seq"; steps: MiniNode[] }
  | { type: "stack"; layers: MiniNode[] }
  | { type: "alt"; body: MiniNode }
  | { type: "fast"; body: MiniNode; factor: number }
  | { type: "slow"; body: MiniNode; factor: number };

/** A mini-notation syntax error, with the 0-based offset inside the string. */
export class MiniError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly expected: string,
  ) {
    super(message);
  }
}

const semantics = grammar.createSemantics().addOperation<MiniNode>("ast", {
  Root(stack, _end) {
    return stack.ast();
  },
  Stack(list) {
    const layers = list.asIteration().children.map((c) => c.ast());
    return layers.length === 1 ? layers[0]! : { type: "stack", layers };
  },
  Sequence(steps) {
    const s = steps.children.map((c) => c.ast());
    return s.length === 1 ? s[0]! : { type: "seq", steps: s };
  },
  Step(term, mods) {
    let node = term.ast();
    for (const m of mods.children) {
      const mod = m.ast() as { type: "fast" | "slow"; factor: number };
      node = { type: mod.type, body: node, factor: mod.factor };
    }
    return node;
  },
  Term_sub(_o, stack, _c) {
    return stack.ast();
  },
  Term_alt(_o, stack, _c) {
    return { type: "alt", body: stack.ast() };
  },
  Modifier_fast(_op, n) {
    return { type: "fast", factor: Number(n.sourceString) } as unknown as MiniNode;
  },
  Modifier_slow(_op, n) {
    return { type: "slow", factor: Number(n.sourceString) } as unknown as MiniNode;
  },
  rest(_t) {
    return { type: "rest", offset: this.source.startIdx };
  },
  word(_chars) {
    const text = this.sourceString;
    const num = Number(text);
    const value: MiniValue = text !== "" && Number.isFinite(num) ? num : text;
    return { type: "atom", value, offset: this.source.startIdx, length: text.length };
  },
});

/** Parse mini-notation into its AST; throws MiniError with the offset of the problem. */
export function parseMini(source: string): MiniNode {
  const m = grammar.match(source);
  if (m.failed()) {
    const offset = m.getRightmostFailurePosition();
    const expected = m.getExpectedText();
    throw new MiniError(`mini-notation: expected ${expected}`, offset, expected);
  }
  return semantics(m).ast();
}

/** The pattern an AST describes. Each atom's value is tagged with its offset for diagnostics. */
export function astToPattern(node: MiniNode): Pattern<MiniValue> {
  switch (node.type) {
    case "atom":
      return pure(node.value);
    case "rest":
      return silence;
    case "seq":
      return fastcat(...node.steps.map(astToPattern));
    case "stack":
      return stack(...node.layers.map(astToPattern));
    case "alt": {
      // "<a b c>" is "[a b c]/3": one step per cycle. Each stack layer runs at its own period.
      const layers = node.body.type === "stack" ? node.body.layers : [node.body];
      return stack(
        ...layers.map((l) => (l.type === "seq" ? slowcat(...l.steps.map(astToPattern)) : astToPattern(l))),
      );
    }
    case "fast":
      return astToPattern(node.body).fast(node.factor);
    case "slow":
      return astToPattern(node.body).slow(node.factor);
  }
}

/** Parse and build: the pattern a mini-notation string denotes. */
export function mini(source: string): Pattern<MiniValue> {
  return astToPattern(parseMini(source));
}
