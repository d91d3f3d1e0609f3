//! `struct "t(3,8)" sig` as a builtin: Phonon's fixed percussive envelope on each true event, times sig (as a transform, `struct` restructures a pattern).
import type { Ports } from "./table.js";

export const ports: Record<string, Ports> = {
  struct: (_ev, _b, values) => {
    // 1 ms attack, 100 ms decay; the input is multiplied by the envelope.
    values.attack = { t: "num", v: 0.001 };
    values.decay = { t: "num", v: 0.1 };
    const input = values.in;
    delete values.in;
    return input;
  },
};
