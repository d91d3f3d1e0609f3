//! Fusion: folds `node * const` and `node ± const` into the producer's gain and offset, flattens chains of `add`/`sub` into n-ary sums, and lets a sum run its single-use producers itself.
//!
//! It runs on a validated graph's nodes before [`crate::plan::Graph::build`] gives them slots.
//! Three passes, each in stage (topological) order:
//!
//! 1. **Mul/add.** `mul(x, c)`, `add(x, c)`, `sub(x, c)` and `sub(c, x)` (either operand order
//!    for `mul` and `add`), where `x` is a node used only there, disappear: `x` gets a gain and
//!    offset (`y = gain·x + offset`, SuperCollider's mul/add), applied in its own buffer right
//!    after it renders, and every reader of the removed node reads `x`. Chains compose
//!    (`(x·a + b)·c` becomes gain a·c, offset b·c).
//! 2. **Sums.** Every `add`/`sub` becomes an n-ary sum `gain·(bias + Σ gᵢ·tᵢ) + offset`:
//!    constants go into the bias, and an operand that is itself a sum used only there is spliced
//!    in (its terms scaled by its gain and the sign), so a left-deep chain of 1,023 `add` nodes
//!    in 1,023 stages becomes one node with 1,024 terms in one stage. Terms keep their written
//!    order, and the sum accumulates them in that order (fixed, whatever the thread count).
//! 3. **Absorption.** A term that is a node used only by that sum (not an output, not read
//!    through `prev`) is *absorbed*: the sum renders it into a scratch buffer and adds it at
//!    once, while it is in L1, and the node needs no buffer of its own. Its gain and offset move
//!    into the term. It keeps its slot, key and state (reload and profiling see it as before).
//!
//! Nodes that other parts of the engine address by id (trigger and param lane targets, a
//! template's pitch ports) are *pinned*: they are never removed or turned into sums.
//!
//! Decisions depend only on the graph's structure (kinds, edges, which params are constants),
//! never on constant values, so two graphs with the same structure hash fuse the same way and a
//! number-only reload can patch gains, offsets, biases and term gains in place.
//!
//! Rounding: a fold that keeps the operation order (`x·c`, `x + c`, `x·a + b`, a left-deep sum
//! spliced into one) gives the unfused graph's values bit for bit (up to the sign of an exact
//! zero). Composed folds reassociate: `(x·a + b)·c` is computed as `(a·c)·x + b·c`, and a spliced
//! sum with a gain distributes it over its terms; each such step adds at most a few f32
//! roundings (2^-24 relative) of the magnitudes involved.

use crate::ir::{NodeIr, Param};

/// A node's output transform: `y = gain·x + offset`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Post {
    /// Multiplies the node's output.
    pub gain: f32,
    /// Added after the gain.
    pub offset: f32,
}

impl Post {
    /// y = x.
    pub const IDENTITY: Post = Post {
        gain: 1.0,
        offset: 0.0,
    };

    /// Whether this changes nothing.
    pub fn is_identity(&self) -> bool {
        self.gain == 1.0 && self.offset == 0.0
    }

    /// `self` followed by `y·c`.
    fn times(self, c: f32) -> Post {
        Post {
            gain: self.gain * c,
            offset: self.offset * c,
        }
    }

    /// `self` followed by `y + c`.
    fn plus(self, c: f32) -> Post {
        Post {
            gain: self.gain,
            offset: self.offset + c,
        }
    }
}

/// One term of a sum, by IR id: `gain · source`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TermIr {
    /// A node, lane, previous-block copy or template input (never a constant: those are in
    /// the bias). A `Node` refers to the node that holds the value after aliasing.
    pub param: Param,
    /// The term's factor (the sign of a `sub` included).
    pub gain: f32,
    /// The node is rendered by the sum itself (see the module doc).
    pub absorbed: bool,
}

/// A sum's terms and constant.
#[derive(Clone, Debug, PartialEq)]
pub struct SumIr {
    /// Terms in accumulation order.
    pub terms: Vec<TermIr>,
    /// Where the accumulation starts.
    pub bias: f32,
}

/// The fusion of one graph, indexed by IR node id.
#[derive(Clone, Debug)]
pub struct Fused {
    /// The node whose buffer holds node id's value (itself unless it was removed).
    pub alias: Vec<u32>,
    /// Removed: folded into its producer, or spliced into the sum that used it.
    pub removed: Vec<bool>,
    /// Rendered by a sum, with no buffer of its own.
    pub absorbed: Vec<bool>,
    /// Output transform per node.
    pub post: Vec<Post>,
    /// The nodes that became sums.
    pub sums: Vec<Option<SumIr>>,
}

impl Fused {
    /// No fusion at all: every node as written.
    pub fn none(n: usize) -> Fused {
        Fused {
            alias: (0..n as u32).collect(),
            removed: vec![false; n],
            absorbed: vec![false; n],
            post: vec![Post::IDENTITY; n],
            sums: vec![None; n],
        }
    }

    /// Points every alias straight at the node holding its value (path compression: each
    /// pointer is rewritten once). A chain of adds aliases each link to the next, so following
    /// the chain at each lookup was quadratic in its length (1023 links: 0.5 M steps, most of
    /// building P1's graph). Control thread.
    fn flatten(&mut self) {
        for i in 0..self.alias.len() as u32 {
            let root = self.find(i);
            let mut x = i;
            while self.alias[x as usize] != root {
                let next = self.alias[x as usize];
                self.alias[x as usize] = root;
                x = next;
            }
        }
    }

    /// The node holding `id`'s value.
    pub fn find(&self, mut id: u32) -> u32 {
        while self.alias[id as usize] != id {
            id = self.alias[id as usize];
        }
        id
    }
}

/// The two operands of an arithmetic node.
fn operands(node: &NodeIr) -> Option<(Param, Param)> {
    let get = |name: &str| node.params.get(name).copied();
    Some((get("a")?, get("b")?))
}

/// Fuses `nodes` (validated; `order` is every id in stage order). `uses` counts, per id, the
/// references from outside the node params (outputs, a template's output); `pinned` lists ids
/// that must keep their identity. Control thread.
pub fn fuse(nodes: &[NodeIr], order: &[u32], outside_uses: &[u32], pinned: &[u32]) -> Fused {
    fuse_keeping(nodes, order, outside_uses, pinned, &[])
}

/// [`fuse`], with `kept` ids also kept out of any sum (never absorbed), so each has a buffer of
/// its own: a reload's "held" nodes, which an output fading out of the old program still reads
/// during the crossfade from this program's buffer (see `Renderer::swap`). Control thread.
pub fn fuse_keeping(
    nodes: &[NodeIr],
    order: &[u32],
    outside_uses: &[u32],
    pinned: &[u32],
    kept: &[u32],
) -> Fused {
    let n = nodes.len();
    let mut f = Fused::none(n);
    let mut uses = vec![0u32; n];
    let mut prev_read = vec![false; n];
    for node in nodes {
        for p in node.params.values() {
            match *p {
                Param::Node(x) => uses[x as usize] += 1,
                Param::Prev(x) => {
                    uses[x as usize] += 1;
                    prev_read[x as usize] = true;
                }
                _ => {}
            }
        }
    }
    for &x in outside_uses {
        uses[x as usize] += 1;
    }
    let mut pin = vec![false; n];
    let mut keep = vec![false; n];
    for &x in pinned {
        pin[x as usize] = true;
    }
    for &x in kept {
        pin[x as usize] = true;
        keep[x as usize] = true;
    }
    // A node read through `prev` keeps its identity too: its copy is taken from its buffer.
    for (i, p) in prev_read.iter().enumerate() {
        pin[i] |= *p;
    }

    // 1. Mul/add folds.
    for &id in order {
        let i = id as usize;
        let node = &nodes[i];
        if pin[i] || !matches!(node.kind.as_str(), "mul" | "add" | "sub") {
            continue;
        }
        let Some((a, b)) = operands(node) else {
            continue;
        };
        let (x, post) = match (node.kind.as_str(), a, b) {
            ("mul", Param::Node(x), Param::Const(c)) | ("mul", Param::Const(c), Param::Node(x)) => {
                let x = f.find(x);
                (x, f.post[x as usize].times(c))
            }
            ("add", Param::Node(x), Param::Const(c)) | ("add", Param::Const(c), Param::Node(x)) => {
                let x = f.find(x);
                (x, f.post[x as usize].plus(c))
            }
            ("sub", Param::Node(x), Param::Const(c)) => {
                let x = f.find(x);
                (x, f.post[x as usize].plus(-c))
            }
            ("sub", Param::Const(c), Param::Node(x)) => {
                let x = f.find(x);
                (x, f.post[x as usize].times(-1.0).plus(c))
            }
            _ => continue,
        };
        let xi = x as usize;
        if uses[xi] != 1 || x == id {
            continue;
        }
        f.post[xi] = post;
        f.alias[i] = x;
        f.removed[i] = true;
        uses[xi] = uses[i];
    }

    // 2. Sums.
    for &id in order {
        let i = id as usize;
        let node = &nodes[i];
        if pin[i] || f.removed[i] || !matches!(node.kind.as_str(), "add" | "sub") {
            continue;
        }
        let Some((a, b)) = operands(node) else {
            continue;
        };
        let sign_b = if node.kind == "sub" { -1.0 } else { 1.0 };
        let mut sum = SumIr {
            terms: Vec::new(),
            bias: 0.0,
        };
        for (param, sign) in [(a, 1.0f32), (b, sign_b)] {
            match param {
                Param::Const(c) => sum.bias += sign * c,
                Param::Node(x) => {
                    let x = f.find(x);
                    let xi = x as usize;
                    let inner = match uses[xi] == 1 && !pin[xi] {
                        true => f.sums[xi].take(),
                        false => None,
                    };
                    match inner {
                        Some(inner) => {
                            let g = f.post[xi].gain * sign;
                            sum.bias += g * inner.bias + sign * f.post[xi].offset;
                            if sum.terms.is_empty() && g == 1.0 {
                                // A chain's running sum (`a + b + c …` nests to the left) moves
                                // on whole: copying it at every link was quadratic in its length.
                                sum.terms = inner.terms;
                            } else {
                                sum.terms.extend(inner.terms.iter().map(|t| TermIr {
                                    gain: t.gain * g,
                                    ..*t
                                }));
                            }
                            f.removed[xi] = true;
                            f.alias[xi] = id;
                        }
                        None => sum.terms.push(TermIr {
                            param: Param::Node(x),
                            gain: sign,
                            absorbed: false,
                        }),
                    }
                }
                other => sum.terms.push(TermIr {
                    param: other,
                    gain: sign,
                    absorbed: false,
                }),
            }
        }
        f.sums[i] = Some(sum);
    }

    // 3. Absorption.
    for &id in order {
        let i = id as usize;
        let Some(mut sum) = f.sums[i].take() else {
            continue;
        };
        for t in &mut sum.terms {
            if let Param::Node(x) = t.param {
                let xi = x as usize;
                if uses[xi] == 1 && !keep[xi] && !f.removed[xi] && f.sums[xi].is_none() && xi != i {
                    let post = f.post[xi];
                    sum.bias += t.gain * post.offset;
                    t.gain *= post.gain;
                    t.absorbed = true;
                    f.post[xi] = Post::IDENTITY;
                    f.absorbed[xi] = true;
                }
            }
        }
        f.sums[i] = Some(sum);
    }
    f.flatten();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flattening keeps every node's root (what `find` answered before) and leaves each alias
    /// pointing straight at it: a 1000-link chain (each link aliased to the next, as a chain of
    /// adds is) with a branch into its middle and a node of its own.
    #[test]
    fn flattening_keeps_each_root_one_step_away() {
        let n = 1003;
        let mut f = Fused::none(n);
        for i in 0..999u32 {
            f.alias[i as usize] = i + 1;
        }
        f.alias[1000] = 500;
        f.alias[1001] = 1002;
        let before: Vec<u32> = (0..n as u32).map(|i| f.find(i)).collect();
        assert_eq!((before[0], before[1000], before[1001]), (999, 999, 1002));
        f.flatten();
        assert_eq!(f.alias, before);
    }
}
