//! `timer`: seconds since its input last rose, the input measured as the kernel's gate.
import type { Ports } from "./table.js";

export const ports: Record<string, Ports> = {
  timer: (_ev, _b, values) => {
    if (values.in !== undefined) {
      values.gate = values.in;
      delete values.in;
    }
    return undefined;
  },
};
