//! `attack`, `release` and `ar` after a signal: an attack-release envelope on it (after a sound they set each event's envelope instead).
import type { Lower } from "./table.js";

const ar: Lower = (ev, c) => {
  const { b, args, chainInput, span, nameSpan } = c;
  const name = b.name;
  if (!chainInput && name === "ar") return undefined;
  if (!chainInput) return ev.error(`'${name}' needs an input: write \`x # ${name} …\``, nameSpan);
  // On a signal: the signal times an attack-release envelope (the engine's `ar` has no input).
  const a = name === "release" ? undefined : args[0];
  const r = name === "attack" ? undefined : name === "ar" ? args[1] : args[0];
  return ev.arith("*", chainInput, ev.sig("ar", { ...(a ? { attack: a } : {}), ...(r ? { release: r } : {}) }, span), span);
};

export const lower: Record<string, Lower> = { attack: ar, release: ar, ar };
