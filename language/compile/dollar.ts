//! The `$` rules: which expressions are transforms, and the three forms of `$` (transforms first, the value first, or a last argument).
import { type Expr, type Span, flattenDollar } from "../ast.js";
import { lookup } from "../catalogue.js";
import { nearest } from "../diagnostics.js";
import { type Env, type Evaluator, GLOBAL } from "./evaluate.js";
import { type Val, type Xf, describe } from "./meaning.js";
import { applyXf, phononTransform, maxArgs, preferTransform, phononTransformNames } from "./transform.js";
/**
 * `t1 $ t2 $ … $ rest` whose heads are transforms: `last(rest)` with them applied, innermost
 * first; undefined when the first head is not a transform. Walked down the right spine, not by
 * recursion (3,000 of them compile): the transforms are evaluated outermost first, as the
 * recursion did, then applied inside out.
 */
function throughTransforms(ev: Evaluator, e: Expr & { type: "dollar" }, env: Env, last: (rest: Expr) => Val): Val | undefined {
  const outer: { t: Xf; span: Span }[] = [];
  let inner: Expr = e;
  while (inner.type === "dollar" && isTransform(ev, inner.left, env)) {
    outer.push({ t: transformValue(ev, inner.left, env), span: inner.span });
    inner = inner.right;
  }
  if (outer.length === 0) return undefined;
  let v = last(inner);
  for (let i = outer.length - 1; i >= 0; i--) v = applyXf(ev, outer[i]!.t, v, outer[i]!.span);
  return v;
}

export function dollar(ev: Evaluator, e: Expr & { type: "dollar" }, env: Env): Val {
  // Form 2, Tidal style: `fast 2 $ rev $ s "bd sn"` (the innermost applies first).
  const through = throughTransforms(ev, e, env, (inner) => ev.expr(inner, env));
  if (through !== undefined) return through;
  const items = flattenDollar(e);
  const head = items[0]!;
  // Form 1: `s "bd sn" $ fast 2 $ rev` (left to right).
  if (items.slice(1).every((x) => isTransform(ev, x, env))) {
    let v = ev.expr(head, env);
    for (const x of items.slice(1)) v = applyXf(ev, transformValue(ev, x, env), v, x.span);
    return v;
  }
  // Form 3: `f a $ x` appends x as f's last argument.
  if (head.type === "call" || head.type === "name") {
    const args = head.type === "call" ? head.args : [];
    return ev.callName(head.name, [...args, e.right], env, e.span, head.type === "call" ? head.nameSpan : head.span);
  }
  if (head.type === "buscall") return ev.busCall(head.name, [...head.args, e.right], env, e.span, head.nameSpan);
  if (head.type === "bus" && ev.buses.get(head.name)?.params.length) return ev.busCall(head.name, [e.right], env, e.span, head.span);
  const bad = items.slice(1).find((x) => !isTransform(ev, x, env))!;
  return ev.error("expected a transform after '$' (such as `fast 2` or `every 4 rev`)", bad.span, transformSuggestion(ev, bad));
}

/** `x # f a $ t`: the transforms apply to f's arguments; `x # t $ f a`: to the chained result. */
export function chainDollar(ev: Evaluator, input: Val, e: Expr & { type: "dollar" }, env: Env, span: Span): Val {
  // Leading transforms (`x # fast 2 $ fast 1 $ … $ rest`, 3,000 of them): as in `dollar`.
  const through = throughTransforms(ev, e, env, (rest) => ev.chain(input, rest, env, span));
  if (through !== undefined) return through;
  const items = flattenDollar(e);
  const head = items[0]!;
  if ((head.type === "call" || head.type === "name") && items.slice(1).every((x) => isTransform(ev, x, env))) {
    const ts = items.slice(1).map((x) => transformValue(ev, x, env));
    const args = head.type === "call" ? head.args : [];
    const name = head.name;
    return ev.callName(name, args, env, head.span, head.type === "call" ? head.nameSpan : head.span, input, (v) => ts.reduce((acc, t) => applyXf(ev, t, acc, e.span), v));
  }
  return ev.chain(input, { ...e, type: "dollar" } as Expr, env, span);
}

export function transformSuggestion(ev: Evaluator, e: Expr): string | undefined {
  const name = e.type === "call" || e.type === "name" ? e.name : undefined;
  if (!name) return undefined;
  const near = nearest(name, phononTransformNames());
  return near.length ? `did you mean ${near.map((n) => `'${n}'`).join(", ")}?` : undefined;
}

/** Is this expression a transform (statically: by name, by definition)? */
export function isTransform(ev: Evaluator, e: Expr, env: Env, depth = 0): boolean {
  if (depth > 20) return false;
  switch (e.type) {
    case "section":
      return true;
    case "name": {
      const local = env.get(e.name);
      if (local) return local.t === "xf";
      const fn = ev.fns.get(e.name);
      if (fn) return fn.params.length === 0 && isTransform(ev, fn.expr, GLOBAL, depth + 1);
      const spec = phononTransform(e.name);
      const b = lookup(e.name);
      return spec !== undefined && (!b || preferTransform(ev, b, spec, 0));
    }
    case "call": {
      if (env.has(e.name) || ev.fns.has(e.name)) return false;
      const spec = phononTransform(e.name);
      if (!spec) return false;
      const positional = e.args.filter((a) => a.type !== "kwarg").length;
      const b = lookup(e.name);
      return positional <= maxArgs(spec) && (!b || preferTransform(ev, b, spec, positional));
    }
    case "bus": {
      const def = ev.buses.get(e.name);
      if (!def || def.params.length) return false;
      return isTransform(ev, def.expr, GLOBAL, depth + 1);
    }
    case "template": {
      const def = ev.templates.get(e.name);
      return def ? isTransform(ev, def.expr, GLOBAL, depth + 1) : false;
    }
    case "dollar":
      return isTransform(ev, e.left, env, depth + 1) && isTransform(ev, e.right, env, depth + 1);
    case "patref":
      return false;
    default:
      return false;
  }
}

function transformValue(ev: Evaluator, e: Expr, env: Env): Xf {
  const v = ev.expr(e, env);
  if (v.t !== "xf") ev.error(`expected a transform here, found ${describe(v)}`, e.span);
  return v;
}
