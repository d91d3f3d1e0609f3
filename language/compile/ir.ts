//! GraphIR: the plain-JSON signal graph that TypeScript sends to the Rust engine (and that tests snapshot).

export const IR_VERSION = 1;

/** A source position, 1-based. */
export interface Loc {
  line: number;
  col: number;
}

/** A node parameter: a constant, another node's output, or a pattern lane's held value. */
export type Param = { const: number } | { node: number } | { lane: number; init: number };

export interface IRNode {
  id: number;
  /** Structural hash: kind, structural params, input keys, scope. Stable when only numbers change. */
  key: string;
  kind: string;
  params: Record<string, Param>;
  loc: Loc;
}

export interface IRLane {
  id: number;
  /** trigger: each onset starts a voice on `node`; param: each onset sets `node.param`. */
  kind: "trigger" | "param";
  node: number;
  param?: string;
  /** The mini-notation source, for display; the scheduler holds the compiled pattern. */
  pattern: string;
  loc: Loc;
}

export interface GraphIR {
  version: typeof IR_VERSION;
  cps: number;
  nodes: IRNode[];
  buses: { name: string; node: number }[];
  outputs: { name: string; node: number }[];
  lanes: IRLane[];
  /** Node ids by dependency stage: stage k reads only nodes of stages < k. */
  stages: number[][];
}
