//! `range` after a signal: its −1…1 scaled to min…max (on patterns `range` is the transform).
import type { Lower } from "./table.js";

export const lower: Record<string, Lower> = {
  range: (ev, c) => {
    const { args, chainInput } = c;
    if (chainInput && (chainInput.t === "sig" || chainInput.t === "prev")) {
      if (args.length !== 2) ev.error("'range' takes min and max: `x # range 200 800`", c.nameSpan);
      return ev.sig("range", { min: args[0]!, max: args[1]!, in: chainInput }, c.span);
    }
    return undefined;
  },
};
