//! Dependency stages: stage k holds the nodes whose inputs all come from stages < k, so a stage's nodes can run in parallel.
import type { IRNode } from "./ir.js";

/**
 * Group nodes by longest path from a source. Nodes must be listed after their `node` inputs
 * (emission guarantees it); `prev` edges (feedback, one block late) do not count.
 */
export function computeStages(nodes: IRNode[]): number[][] {
  const depth: number[] = [];
  const stages: number[][] = [];
  for (const node of nodes) {
    let d = 0;
    for (const p of Object.values(node.params)) {
      if ("node" in p) {
        const dep = depth[p.node];
        if (dep === undefined) throw new Error(`internal: node ${node.id} reads node ${p.node} that comes later`);
        d = Math.max(d, dep + 1);
      }
    }
    depth[node.id] = d;
    (stages[d] ??= []).push(node.id);
  }
  return stages;
}
