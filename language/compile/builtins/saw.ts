//! `soft_saw`: a soft sawtooth, the additive kernel with its first 8 harmonics at 1/k².
import type { Ports } from "./table.js";

export const ports: Record<string, Ports> = {
  soft_saw: (_ev, _b, values) => {
    for (let k = 1; k <= 8; k++) values[`a${k}`] = { t: "num", v: 1 / (k * k) };
    return undefined;
  },
};
