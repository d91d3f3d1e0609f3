//! `select index a b c d`: its inputs become the engine's four inputs a…d.
import type { Ports } from "./table.js";

export const ports: Record<string, Ports> = {
  select: (ev, _b, values, _data, span) => {
    const inputs = Object.keys(values).filter((k) => /^in\d+$/.test(k)).sort((x, y) => Number(x.slice(2)) - Number(y.slice(2)));
    if (inputs.length > 4) ev.error(`'select' chooses among at most 4 inputs, not ${inputs.length}`, span);
    inputs.forEach((k, i) => {
      values["abcd"[i]!] = values[k]!;
      delete values[k];
    });
    return undefined;
  },
};
