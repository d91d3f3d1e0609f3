//! GraphIR: the plain-JSON signal graph that TypeScript sends to the Rust engine (and that tests snapshot).

export const IR_VERSION = 1;

/** A source position, 1-based. */
export interface Loc {
  line: number;
  col: number;
}

/**
 * A node parameter:
 * - `{const}`: a constant;
 * - `{node}`: another node's output in the same graph (computed earlier in the block);
 * - `{lane, init}`: a pattern lane's value (held between events; `init` until the first event);
 * - `{prev}`: node `prev`'s output during the *previous* block (zero in the first block): the
 *   one-block delay that breaks a feedback loop (a bus that reads itself). Stages ignore it;
 * - `{input}`: inside a voice template only, input k of the template's `voices` node (port `in<k>`):
 *   a global node every voice reads.
 */
export type Param = { const: number } | { node: number } | { lane: number; init: number } | { prev: number } | { input: number };

export interface IRNode {
  id: number;
  /** Structural hash: kind, data, input keys and shapes, scope path. Stable when only numbers change. */
  key: string;
  kind: string;
  params: Record<string, Param>;
  /** Structural settings fixed when the plan is built (a file name, partial amplitudes, a template id…). */
  data?: Record<string, string | number | number[]>;
  loc: Loc;
}

export interface IRLane {
  id: number;
  /**
   * - `trigger`: each event starts a voice on `node` (a `sampler` or `voices` node);
   * - `param`: each event sets `node.param` from its onset on (the value holds through rests);
   * - `gate`: each event sets `node.param` to its value for the event's length, then back to 0;
   *   a node reading a gate lane also sees each onset (envelopes retrigger).
   */
  kind: "trigger" | "param" | "gate";
  node: number;
  param?: string;
  /** Set when `node` is a node of that voice template: the lane's value applies to every voice. */
  template?: number;
  /** The mini-notation source, for display; the scheduler holds the compiled pattern. */
  pattern: string;
  loc: Loc;
}

/**
 * A voice template: the graph of a bus used as a synth (`s "~name"`). A `voices` node (data
 * `template`: this id) starts one instance of these nodes per trigger event and outputs the sum.
 * Node ids are local to the template; `{input: k}` params read the `voices` node's port `in<k>`.
 */
export interface IRTemplate {
  id: number;
  name: string;
  nodes: IRNode[];
  /** The node whose output is the voice's sound. */
  output: number;
  /**
   * The ports that follow the event's pitch: oscillator `freq` ports with a constant of 20 Hz or
   * more (LFOs keep their rate), or, when there is none, every constant oscillator port (Phonon's
   * `~synth: saw`, a bare 1 Hz saw that the note tunes). A trigger
   * with field FREQ (Hz) sets port i to FREQ × base_i / base_0, so the first oscillator plays the
   * note and the others keep their interval to it (detuning, octaves); a trigger with field RATIO
   * sets port i to base_i × RATIO. Without either the ports keep their base.
   */
  pitch: { node: number; param: string; base: number }[];
}

export interface GraphIR {
  version: typeof IR_VERSION;
  cps: number;
  nodes: IRNode[];
  buses: { name: string; node: number }[];
  outputs: { name: string; node: number }[];
  templates: IRTemplate[];
  lanes: IRLane[];
  /** `outmix:` how outputs are combined: `none` (a plain sum, the default), `gain`, `sqrt`, `tanh`, `hard`. */
  outmix?: string;
  /** `buffer:` the block size the file asks for, 64…16384. */
  buffer?: number;
  /** Live commands in the file: `setCycle N`, `nudge N` (seconds), `resetCycles`, `panic`. */
  control?: { setCycle?: number; nudge?: number; resetCycles?: true; panic?: true };
}
