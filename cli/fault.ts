//! What `render` and `live` say when a node's kernel panics: the engine silences that node and plays on (stats `faults`, `faultNode`); this names the node by kind and source line.
import type { GraphIR } from "../language/compile/ir.js";

/** The message for `count` faults, the last in GraphIR node `node` of `ir` (from `file`). */
export function faultMessage(count: number, node: number, ir: GraphIR | undefined, file: string): string {
  const n = ir?.nodes.find((x) => x.id === node);
  const where = n ? `\`${n.kind}\` at ${file}:${n.loc.line}:${n.loc.col}` : `node ${node}`;
  const more = count > 1 ? ` (${count} nodes so far)` : "";
  return `${where} stopped with an internal error and is silenced${more}; everything else plays on. This is a bug in Phonon: please report it with the file`;
}

/** Turns the engine's running fault count into one warning per new fault. */
export class FaultWatch {
  private last = 0;

  /** Called with the count now and the last faulty node; returns a warning when one is due. */
  check(count: number, node: number, ir: GraphIR | undefined, file: string): string | undefined {
    if (count < this.last) this.last = 0; // a new engine
    if (count === this.last) return undefined;
    this.last = count;
    return faultMessage(count, node, ir, file);
  }
}
