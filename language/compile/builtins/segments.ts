//! `segments "levels" "times"`: a breakpoint envelope whose lists become the numbered ports level0…level4 and time0…time3.
import type { Ports } from "./table.js";

export const ports: Record<string, Ports> = {
  segments: (ev, b, values, data, span) => {
    const levels = (data.levels as number[] | undefined) ?? [];
    const times = (data.times as number[] | undefined) ?? [];
    delete data.levels;
    delete data.times;
    if (levels.length > 5 || times.length > 4) {
      ev.warn(`'${b.name}' plays its first 5 levels and 4 times; the engine has no room for the other ${Math.max(levels.length - 5, times.length - 4)}`, span);
    }
    levels.slice(0, 5).forEach((v, i) => (values[`level${i}`] = { t: "num", v }));
    times.slice(0, 4).forEach((v, i) => (values[`time${i}`] = { t: "num", v }));
    return undefined;
  },
};
