//! Test helper: an event batch decoded into records (frame, kind, lane, fields by code).
import type { EventBatch } from "../language/schedule/events.js";

export function records(batch: EventBatch): { frame: number; kind: number; lane: number; fields: Record<number, number> }[] {
  const v = batch.view();
  const out = [];
  for (let i = 0; i < v.length; ) {
    const n = v[i + 3]!;
    const fields: Record<number, number> = {};
    for (let k = 0; k < n; k++) fields[v[i + 4 + 2 * k]!] = v[i + 5 + 2 * k]!;
    out.push({ frame: v[i]!, kind: v[i + 1]!, lane: v[i + 2]!, fields });
    i += 4 + 2 * n;
  }
  return out;
}
