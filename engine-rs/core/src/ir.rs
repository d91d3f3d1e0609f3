//! GraphIR v1: the serde types of the JSON the TypeScript compiler sends, parsing with simd-json, and validation.
//!
//! Unknown fields are ignored (forward compatible); unknown kinds, unknown params and broken
//! references are errors whose message names the node, lane or field and its source location.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::EngineError;
use crate::kernels::KindSpec;

/// The GraphIR version this engine reads.
pub const VERSION: u32 = 1;

/// A whole program: nodes, named buses and outputs, pattern lanes, and the stage order.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphIr {
    /// Must be [`VERSION`].
    pub version: u32,
    /// Cycles per second (the TypeScript scheduler uses it; the engine stores and reports it).
    #[serde(default = "default_cps")]
    pub cps: f64,
    /// Nodes; `nodes[i].id == i`.
    pub nodes: Vec<NodeIr>,
    /// Named nodes (informational).
    #[serde(default)]
    pub buses: Vec<NamedNode>,
    /// Each output's node is summed into the stereo master at unity.
    #[serde(default)]
    pub outputs: Vec<NamedNode>,
    /// Pattern lanes; `lanes[i].id == i`.
    #[serde(default)]
    pub lanes: Vec<LaneIr>,
    /// Node ids by stage, computed by the engine from the edges when the IR is read
    /// ([`GraphIr::parse`]; not read from the JSON): stage k only reads nodes of stages < k
    /// (`prev` edges excepted).
    #[serde(skip)]
    pub stages: Vec<Vec<u32>>,
    /// Voice templates; `templates[i].id == i`.
    #[serde(default)]
    pub templates: Vec<TemplateIr>,
    /// How outputs are combined into the master: `none` (default), `gain`, `sqrt`, `tanh`, `hard`.
    #[serde(default)]
    pub outmix: Option<String>,
    /// The block size the file asks for (accepted; the engine keeps its own).
    #[serde(default)]
    pub buffer: Option<f64>,
    /// Live commands in the file (accepted; not acted on by the engine).
    #[serde(default)]
    pub control: Option<ControlIr>,
}

/// `control`: live commands written in the file. Accepted and ignored by the engine.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ControlIr {
    /// `setCycle N`.
    #[serde(default, rename = "setCycle")]
    pub set_cycle: Option<f64>,
    /// `nudge N`, seconds.
    #[serde(default)]
    pub nudge: Option<f64>,
    /// `resetCycles`.
    #[serde(default, rename = "resetCycles")]
    pub reset_cycles: Option<bool>,
    /// `panic`.
    #[serde(default)]
    pub panic: Option<bool>,
}

/// How the outputs are summed into the master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutMix {
    /// A plain sum.
    #[default]
    None,
    /// The sum divided by the number of outputs.
    Gain,
    /// The sum divided by the square root of the number of outputs.
    Sqrt,
    /// tanh of the sum, per sample.
    Tanh,
    /// The sum clamped to ±1.
    Hard,
}

impl OutMix {
    /// The mode called `name`, or `None`.
    pub fn from_name(name: &str) -> Option<OutMix> {
        Some(match name {
            "none" => OutMix::None,
            "gain" => OutMix::Gain,
            "sqrt" => OutMix::Sqrt,
            "tanh" => OutMix::Tanh,
            "hard" => OutMix::Hard,
            _ => return None,
        })
    }
}

pub use crate::kernels::data::{DataValue, NodeData};

/// One pitch port of a template: `node`'s `param` plays the note; `base` is its constant.
#[derive(Debug, Clone, Deserialize)]
pub struct PitchIr {
    /// Template-local node id.
    pub node: u32,
    /// The port.
    pub param: String,
    /// Its constant value (Hz or ratio).
    pub base: f64,
}

/// A voice template: a small graph started once per trigger by a `voices` node.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateIr {
    /// Its index in `templates`.
    pub id: u32,
    /// The bus name (informational).
    #[serde(default)]
    pub name: String,
    /// Template-local nodes; `nodes[i].id == i`.
    pub nodes: Vec<NodeIr>,
    /// The node whose output is the voice's sound.
    pub output: u32,
    /// Template-local node ids by stage, computed like [`GraphIr::stages`].
    #[serde(skip)]
    pub stages: Vec<Vec<u32>>,
    /// The ports that follow the event's pitch.
    #[serde(default)]
    pub pitch: Vec<PitchIr>,
}

/// Inputs a `voices` node passes to its template (`in0`..).
pub const VOICE_INPUTS: u32 = 8;

fn default_cps() -> f64 {
    0.5
}

/// A source position in the `.ph` file.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub struct Loc {
    /// 1-based line.
    #[serde(default)]
    pub line: u32,
    /// 1-based column.
    #[serde(default)]
    pub col: u32,
}

/// One DSP node.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeIr {
    /// Its index in `nodes`.
    pub id: u32,
    /// Structural hash (used by hot reload to carry state across).
    #[serde(default)]
    pub key: String,
    /// A name from [`crate::kinds`].
    pub kind: String,
    /// Port name → value as written in the JSON; [`GraphIr::parse`] types them into `params`.
    #[serde(rename = "params", default)]
    written: BTreeMap<String, ParamIr>,
    /// Port name → value, typed once when the IR is read: the only form the plan and the loader
    /// see.
    #[serde(skip)]
    pub params: BTreeMap<String, Param>,
    /// Structural settings (a template id, partials…), read when the plan is built.
    #[serde(default)]
    pub data: NodeData,
    /// Where the node comes from.
    #[serde(default)]
    pub loc: Option<Loc>,
}

/// A param as written in JSON: exactly one of `const`, `node`, `lane` (with optional `init`),
/// `prev`, `input`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ParamIr {
    /// A constant.
    #[serde(rename = "const", default)]
    pub constant: Option<f64>,
    /// Another node's output signal.
    #[serde(default)]
    pub node: Option<u32>,
    /// A param lane's held value.
    #[serde(default)]
    pub lane: Option<u32>,
    /// The lane's value before its first event (default 0).
    #[serde(default)]
    pub init: Option<f64>,
    /// A node's output in the previous block (a one-block feedback delay).
    #[serde(default)]
    pub prev: Option<u32>,
    /// Inside a template: input k of the `voices` node.
    #[serde(default)]
    pub input: Option<u32>,
}

/// A validated param.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param {
    /// A constant.
    Const(f32),
    /// Node `id`'s output.
    Node(u32),
    /// Lane `lane`'s held value, `init` before its first event.
    Lane {
        /// Lane id.
        lane: u32,
        /// Value before the first event.
        init: f32,
    },
    /// Node `id`'s output during the previous block (zeros in the first).
    Prev(u32),
    /// Inside a template: the `voices` node's port `in<k>`.
    Input(u32),
}

impl ParamIr {
    /// The param as an enum, or a message saying what is wrong with its shape.
    fn resolve(&self) -> Result<Param, String> {
        let given = [
            self.constant.is_some(),
            self.node.is_some(),
            self.lane.is_some(),
            self.prev.is_some(),
            self.input.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if given == 0 {
            return Err("has none of \"const\", \"node\", \"lane\", \"prev\", \"input\"".into());
        }
        if given > 1 {
            return Err(
                "has more than one of \"const\", \"node\", \"lane\", \"prev\", \"input\"".into(),
            );
        }
        if let Some(c) = self.constant {
            return if c.is_finite() {
                Ok(Param::Const(c as f32))
            } else {
                Err(format!("constant {c} is not finite"))
            };
        }
        if let Some(n) = self.node {
            return Ok(Param::Node(n));
        }
        if let Some(p) = self.prev {
            return Ok(Param::Prev(p));
        }
        if let Some(k) = self.input {
            return Ok(Param::Input(k));
        }
        let l = self.lane.unwrap_or(0);
        let init = self.init.unwrap_or(0.0);
        if init.is_finite() {
            Ok(Param::Lane {
                lane: l,
                init: init as f32,
            })
        } else {
            Err(format!("lane init {init} is not finite"))
        }
    }
}

/// A named reference to a node.
#[derive(Debug, Clone, Deserialize)]
pub struct NamedNode {
    /// The name in the source.
    #[serde(default)]
    pub name: String,
    /// The node id.
    pub node: u32,
}

pub use crate::events::LaneKind;

/// A pattern lane.
#[derive(Debug, Clone, Deserialize)]
pub struct LaneIr {
    /// Its index in `lanes`.
    pub id: u32,
    /// `"trigger"` or `"param"`.
    pub kind: String,
    /// The node it drives.
    pub node: u32,
    /// For a param lane, the port it sets.
    #[serde(default)]
    pub param: Option<String>,
    /// Set when `node` is a node of that voice template: the lane applies to every voice.
    #[serde(default)]
    pub template: Option<u32>,
    /// The pattern source (informational).
    #[serde(default)]
    pub pattern: String,
    /// Where the pattern is.
    #[serde(default)]
    pub loc: Option<Loc>,
}

impl LaneIr {
    /// The lane kind, or `None` for an unknown kind string.
    pub fn lane_kind(&self) -> Option<LaneKind> {
        match self.kind.as_str() {
            "trigger" => Some(LaneKind::Trigger),
            "param" => Some(LaneKind::Param),
            "gate" => Some(LaneKind::Gate),
            _ => None,
        }
    }
}

fn at(loc: &Option<Loc>) -> String {
    match loc {
        Some(l) => format!(" at line {}, col {}", l.line, l.col),
        None => String::new(),
    }
}

impl GraphIr {
    /// Parses GraphIR JSON (simd-json parses in place, so the buffer is modified) and validates it.
    pub fn parse(json: &mut [u8]) -> Result<GraphIr, EngineError> {
        let mut ir: GraphIr =
            simd_json::serde::from_slice(json).map_err(|e| EngineError::Json(e.to_string()))?;
        ir.type_params()?;
        ir.validate()?;
        ir.stages = stages_of(&ir.nodes);
        for t in &mut ir.templates {
            t.stages = stages_of(&t.nodes);
        }
        Ok(ir)
    }

    /// Types every node's params (global and in templates) from their JSON form: the one place
    /// params are read from JSON. A param of the wrong shape is an error naming its node.
    fn type_params(&mut self) -> Result<(), EngineError> {
        let scopes = std::iter::once(None).chain((0..self.templates.len()).map(|t| Some(t as u32)));
        for scope in scopes {
            let nodes = match scope {
                Some(t) => &self.templates[t as usize].nodes,
                None => &self.nodes,
            };
            for (i, n) in nodes.iter().enumerate() {
                for (name, p) in &n.written {
                    if let Err(m) = p.resolve() {
                        let label = self.scoped_label(scope, i as u32);
                        return Err(EngineError::Ir(format!("{label}: param \"{name}\" {m}")));
                    }
                }
            }
        }
        let all = self
            .nodes
            .iter_mut()
            .chain(self.templates.iter_mut().flat_map(|t| t.nodes.iter_mut()));
        for n in all {
            n.params = std::mem::take(&mut n.written)
                .into_iter()
                .map(|(name, p)| (name, p.resolve().expect("checked above")))
                .collect();
        }
        Ok(())
    }

    /// "node 3 (lpf at line 2, col 5)", for messages.
    pub fn node_label(&self, id: u32) -> String {
        self.scoped_label(None, id)
    }

    /// A node's label in the global graph (`None`) or in template `t`.
    fn scoped_label(&self, scope: Option<u32>, id: u32) -> String {
        let (nodes, prefix) = match scope.and_then(|t| self.templates.get(t as usize)) {
            Some(t) => (&t.nodes, format!("template {} (\"{}\") ", t.id, t.name)),
            None => (&self.nodes, String::new()),
        };
        match nodes.get(id as usize) {
            Some(n) => format!("{prefix}node {} ({}{})", id, n.kind, at(&n.loc)),
            None => format!("{prefix}node {id}"),
        }
    }

    fn lane_label(&self, id: u32) -> String {
        match self.lanes.get(id as usize) {
            Some(l) => format!("lane {} ({} \"{}\"{})", id, l.kind, l.pattern, at(&l.loc)),
            None => format!("lane {id}"),
        }
    }

    /// The spec of node `id` (valid after the kind check).
    pub fn spec(&self, id: u32) -> Option<&'static KindSpec> {
        crate::kinds::spec(&self.nodes.get(id as usize)?.kind)
    }

    /// The output mix mode (valid after validation).
    pub fn out_mix(&self) -> OutMix {
        self.outmix
            .as_deref()
            .and_then(OutMix::from_name)
            .unwrap_or_default()
    }

    /// Checks every rule of GraphIR v1; the first broken one becomes the error.
    pub fn validate(&self) -> Result<(), EngineError> {
        let err = |m: String| Err(EngineError::Ir(m));
        if self.version != VERSION {
            return err(format!(
                "version is {}, but this engine reads version {VERSION}",
                self.version
            ));
        }
        if !(self.cps.is_finite() && self.cps >= 0.0) {
            return err(format!(
                "cps is {}; it must be a finite number ≥ 0",
                self.cps
            ));
        }
        if let Some(m) = &self.outmix {
            if OutMix::from_name(m).is_none() {
                return err(format!(
                    "outmix is \"{m}\"; expected \"none\", \"gain\", \"sqrt\", \"tanh\" or \"hard\""
                ));
            }
        }
        if let Some(b) = self.buffer {
            if !(b.is_finite() && (64.0..=16384.0).contains(&b)) {
                return err(format!("buffer is {b}; it must be a number in 64..=16384"));
            }
        }
        for (i, t) in self.templates.iter().enumerate() {
            if t.id as usize != i {
                return err(format!(
                    "templates[{i}] has id {}; template ids must equal their index",
                    t.id
                ));
            }
            self.check_nodes(Some(t.id), &t.nodes)?;
            let label = format!("template {} (\"{}\")", t.id, t.name);
            if t.output as usize >= t.nodes.len() {
                return err(format!(
                    "{label}: output is node {}, which does not exist (the template has {} nodes)",
                    t.output,
                    t.nodes.len()
                ));
            }
            for p in &t.pitch {
                let Some(n) = t.nodes.get(p.node as usize) else {
                    return err(format!(
                        "{label}: pitch port on node {}, which does not exist",
                        p.node
                    ));
                };
                let spec = crate::kinds::spec(&n.kind).expect("checked kind");
                if spec.port(&p.param).is_none() {
                    return err(format!(
                        "{}: pitch param \"{}\" is not a port of {}",
                        self.scoped_label(Some(t.id), p.node),
                        p.param,
                        n.kind
                    ));
                }
                if !(p.base.is_finite()) {
                    return err(format!(
                        "{}: pitch base {} is not finite",
                        self.scoped_label(Some(t.id), p.node),
                        p.base
                    ));
                }
            }
        }
        self.check_nodes(None, &self.nodes)?;
        let n_nodes = self.nodes.len();
        // Lanes.
        for (i, lane) in self.lanes.iter().enumerate() {
            if lane.id as usize != i {
                return err(format!(
                    "lanes[{i}] has id {}; lane ids must equal their index",
                    lane.id
                ));
            }
            let label = self.lane_label(lane.id);
            let Some(kind) = lane.lane_kind() else {
                return err(format!(
                    "{label}: unknown lane kind \"{}\" (expected \"trigger\", \"param\" or \"gate\")",
                    lane.kind
                ));
            };
            let nodes = match lane.template {
                None => &self.nodes,
                Some(t) => match self.templates.get(t as usize) {
                    Some(t) => &t.nodes,
                    None => {
                        return err(format!(
                            "{label}: template {t} does not exist (the graph has {} templates)",
                            self.templates.len()
                        ))
                    }
                },
            };
            let Some(spec) = nodes
                .get(lane.node as usize)
                .and_then(|n| crate::kinds::spec(&n.kind))
            else {
                return err(format!(
                    "{label}: drives node {}, which does not exist (the graph has {} nodes)",
                    lane.node,
                    nodes.len()
                ));
            };
            let target = self.scoped_label(lane.template, lane.node);
            match kind {
                LaneKind::Trigger => {
                    if !spec.triggers || lane.template.is_some() {
                        return err(format!(
                            "{label}: a trigger lane must drive a node that plays voices (sampler, voices), but {target} does not"
                        ));
                    }
                }
                LaneKind::Param | LaneKind::Gate => {
                    let Some(param) = &lane.param else {
                        return err(format!("{label}: a {} lane needs \"param\"", kind.name()));
                    };
                    if spec.port(param).is_none() {
                        return err(format!("{label}: {target} has no param \"{param}\""));
                    }
                    let refers = matches!(
                        nodes[lane.node as usize].params.get(param),
                        Some(Param::Lane { lane: l, .. }) if *l == lane.id
                    );
                    if !refers {
                        return err(format!(
                            "{label}: {target}'s param \"{param}\" does not read this lane (it should be {{\"lane\": {}}})",
                            lane.id
                        ));
                    }
                }
            }
        }
        // Outputs and buses.
        for (what, list) in [("output", &self.outputs), ("bus", &self.buses)] {
            for o in list {
                if o.node as usize >= n_nodes {
                    return err(format!(
                        "{what} \"{}\" refers to node {}, which does not exist (the graph has {n_nodes} nodes)",
                        o.name, o.node
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks the nodes of the global graph (`scope` None) or of a template, and that their
    /// `node` edges form no loop.
    fn check_nodes(&self, scope: Option<u32>, nodes: &[NodeIr]) -> Result<(), EngineError> {
        let err = |m: String| Err(EngineError::Ir(m));
        let n_nodes = nodes.len();
        let n_lanes = self.lanes.len();
        let where_ = match scope {
            Some(t) => format!("template {t} has"),
            None => "the graph has".to_string(),
        };
        for (i, node) in nodes.iter().enumerate() {
            if node.id as usize != i {
                let list = match scope {
                    Some(t) => format!("template {t} nodes[{i}]"),
                    None => format!("nodes[{i}]"),
                };
                return err(format!(
                    "{list} has id {}; node ids must equal their index",
                    node.id
                ));
            }
            let label = self.scoped_label(scope, node.id);
            let Some(spec) = crate::kinds::spec(&node.kind) else {
                return err(format!(
                    "{label}: unknown kind \"{}\" (known kinds: {})",
                    node.kind,
                    crate::kinds::all()
                        .map(|k| k.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            if node.kind == "voices" {
                if scope.is_some() {
                    return err(format!(
                        "{label}: a voices node cannot be inside a voice template"
                    ));
                }
                match node.data.get("template") {
                    Some(DataValue::Num(t))
                        if t.fract() == 0.0 && *t >= 0.0 && (*t as usize) < self.templates.len() => {}
                    Some(v) => {
                        return err(format!(
                            "{label}: data \"template\" is {v:?}, which is not a template id (the graph has {} templates)",
                            self.templates.len()
                        ))
                    }
                    None => {
                        return err(format!(
                            "{label}: a voices node needs data \"template\" (a template id)"
                        ))
                    }
                }
            }
            if node.kind == "voices" || node.kind == "sampler" {
                let max = crate::voice::pool::MAX_VOICES as f64;
                if let Some(v) = node.data.get("voices") {
                    if !matches!(v, DataValue::Num(x) if x.fract() == 0.0 && (1.0..=max).contains(x))
                    {
                        return err(format!(
                            "{label}: data \"voices\" is {v:?}; it must be an integer in 1..={max}"
                        ));
                    }
                }
            }
            for (name, p) in &node.params {
                if spec.port(name).is_none() {
                    let ports: Vec<&str> = spec.ports.iter().map(|p| p.name).collect();
                    return err(format!(
                        "{label}: unknown param \"{name}\" ({} takes: {})",
                        node.kind,
                        ports.join(", ")
                    ));
                }
                let param = *p;
                match param {
                    Param::Const(_) => {}
                    Param::Node(src) | Param::Prev(src) => {
                        let what = if matches!(param, Param::Prev(_)) {
                            "prev"
                        } else {
                            "node"
                        };
                        if src as usize >= n_nodes {
                            return err(format!(
                                "{label}: param \"{name}\" refers ({what}) to node {src}, which does not exist ({where_} {n_nodes} nodes)"
                            ));
                        }
                        if src == node.id && what == "node" {
                            return err(format!(
                                "{label}: param \"{name}\" refers to the node itself (use {{\"prev\": {src}}} for feedback)"
                            ));
                        }
                    }
                    Param::Input(k) => {
                        if scope.is_none() {
                            return err(format!(
                                "{label}: param \"{name}\" is {{\"input\": {k}}}, which is only valid inside a voice template"
                            ));
                        }
                        if k >= VOICE_INPUTS {
                            return err(format!(
                                "{label}: param \"{name}\" reads input {k}; a voices node has inputs in0..in{}",
                                VOICE_INPUTS - 1
                            ));
                        }
                    }
                    Param::Lane { lane, .. } => {
                        let Some(l) = self.lanes.get(lane as usize) else {
                            return err(format!(
                                "{label}: param \"{name}\" refers to lane {lane}, which does not exist (the graph has {n_lanes} lanes)"
                            ));
                        };
                        if !matches!(l.lane_kind(), Some(LaneKind::Param | LaneKind::Gate))
                            || l.node != node.id
                            || l.template != scope
                            || l.param.as_deref() != Some(name.as_str())
                        {
                            return err(format!(
                                "{label}: param \"{name}\" refers to {}, which is not a param or gate lane for this node's \"{name}\"",
                                self.lane_label(lane)
                            ));
                        }
                    }
                }
            }
            for port in spec.ports {
                if port.default.is_none() && !node.params.contains_key(port.name) {
                    return err(format!("{label}: missing required param \"{}\"", port.name));
                }
            }
        }
        if let Err(on_loop) = depths(nodes) {
            return err(format!(
                "{} is on a loop of node inputs; a loop needs a `prev` edge (a one-block delay) somewhere",
                self.scoped_label(scope, on_loop)
            ));
        }
        Ok(())
    }
}

/// Each node's stage: 0 for a node without `node` inputs, else one more than its deepest
/// input's (`prev` edges do not count: they read the previous block). Nodes may be listed in
/// any order; iterative, so a long chain cannot overflow the stack. Err: a node on a loop.
/// Control thread.
fn depths(nodes: &[NodeIr]) -> Result<Vec<usize>, u32> {
    const UNSEEN: usize = usize::MAX;
    const OPEN: usize = usize::MAX - 1;
    let inputs = |n: &NodeIr| -> Vec<usize> {
        n.params
            .values()
            .filter_map(|p| match *p {
                Param::Node(j) if (j as usize) < nodes.len() => Some(j as usize),
                _ => None,
            })
            .collect()
    };
    let mut depth = vec![UNSEEN; nodes.len()];
    for root in 0..nodes.len() {
        if depth[root] != UNSEEN {
            continue;
        }
        // (node, its inputs): a node is finished when all its inputs are.
        let mut stack = vec![(root, inputs(&nodes[root]))];
        depth[root] = OPEN;
        while let Some((i, ins)) = stack.last() {
            let i = *i;
            match ins
                .iter()
                .copied()
                .find(|&j| depth[j] == UNSEEN || depth[j] == OPEN)
            {
                Some(j) if depth[j] == OPEN => return Err(nodes[j].id),
                Some(j) => {
                    depth[j] = OPEN;
                    stack.push((j, inputs(&nodes[j])));
                }
                None => {
                    depth[i] = ins.iter().map(|&j| depth[j] + 1).max().unwrap_or(0);
                    stack.pop();
                }
            }
        }
    }
    Ok(depth)
}

/// Dependency stages of validated `nodes`: stage k holds, in id order, the nodes at depth k
/// ([`depths`]), so each stage reads only earlier stages and its nodes can run at once.
/// Control thread.
pub fn stages_of(nodes: &[NodeIr]) -> Vec<Vec<u32>> {
    let depth = depths(nodes).expect("validated: no loops");
    let mut stages: Vec<Vec<u32>> = vec![Vec::new(); depth.iter().max().map_or(0, |d| d + 1)];
    for (n, &d) in nodes.iter().zip(&depth) {
        stages[d].push(n.id);
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
      "version": 1, "cps": 0.5, "future": {"x": [1, 2]},
      "nodes": [
        {"id": 0, "key": "a", "kind": "sine", "params": {"freq": {"lane": 1, "init": 110}}, "loc": {"line": 1, "col": 6, "end": 9}},
        {"id": 1, "key": "b", "kind": "sampler", "params": {}},
        {"id": 2, "key": "c", "kind": "lpf", "params": {"in": {"node": 0}, "cutoff": {"const": 800}}, "loc": {"line": 2, "col": 3}},
        {"id": 3, "key": "d", "kind": "add", "params": {"a": {"node": 2}, "b": {"node": 1}}}
      ],
      "buses": [{"name": "drums", "node": 1}],
      "outputs": [{"name": "out", "node": 3}],
      "lanes": [
        {"id": 0, "kind": "trigger", "node": 1, "pattern": "bd*4", "loc": {"line": 3, "col": 1}},
        {"id": 1, "kind": "param", "node": 0, "param": "freq", "pattern": "110 220"}
      ],
      "stages": [[0, 1], [2], [3]]
    }"#;

    fn parse(s: &str) -> Result<GraphIr, EngineError> {
        GraphIr::parse(&mut s.as_bytes().to_vec())
    }

    fn expect_err(src: &str, needles: &[&str]) {
        let e = parse(src).expect_err("should fail").to_string();
        for n in needles {
            assert!(e.contains(n), "error {e:?} should contain {n:?}");
        }
    }

    #[test]
    fn parses_a_good_graph_ignoring_unknown_fields() {
        let ir = parse(GOOD).unwrap();
        assert_eq!(ir.nodes.len(), 4);
        assert_eq!(ir.nodes[2].params["cutoff"], Param::Const(800.0));
        assert_eq!(
            ir.nodes[0].params["freq"],
            Param::Lane {
                lane: 1,
                init: 110.0
            }
        );
        assert_eq!(ir.nodes[0].loc, Some(Loc { line: 1, col: 6 }));
        assert_eq!(ir.lanes[0].lane_kind(), Some(LaneKind::Trigger));
        assert_eq!(ir.stages.len(), 3);
    }

    /// Integers past 2^64 (JSON.stringify writes 1e20 as 100000000000000000000) are numbers,
    /// as JSON has them, not a parse error (issue 15: `sine 99999999999999999999`).
    #[test]
    fn integers_past_u64_are_numbers() {
        for (text, value) in [
            ("99999999999999999999", 1e20),
            ("-99999999999999999999", -1e20),
            ("100000000000000000000", 1e20),
        ] {
            let ir = parse(&GOOD.replace(r#""const": 800"#, &format!(r#""const": {text}"#)))
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(ir.nodes[2].params["cutoff"], Param::Const(value));
        }
    }

    /// A sampler's data `voices` (its voice limit) must be an integer in 1..=256.
    #[test]
    fn sampler_voice_limit_is_checked() {
        let with = |v: &str| {
            GOOD.replace(
                r#""kind": "sampler", "params": {}"#,
                &format!(r#""kind": "sampler", "params": {{}}, "data": {{"voices": {v}}}"#),
            )
        };
        for good in ["1", "128", "256"] {
            assert!(parse(&with(good)).is_ok(), "voices {good}");
        }
        for bad in ["0", "257", "1000", "2.5", "-4", "\"many\""] {
            expect_err(
                &with(bad),
                &["node 1 (sampler", "data \"voices\"", "integer in 1..=256"],
            );
        }
    }

    #[test]
    fn unknown_kind_is_named_with_its_location() {
        expect_err(
            &GOOD.replace("\"kind\": \"lpf\"", "\"kind\": \"lfp\""),
            &["node 2", "unknown kind \"lfp\"", "line 2, col 3", "lpf"],
        );
    }

    #[test]
    fn dangling_node_ref_is_named() {
        expect_err(
            &GOOD.replace("\"in\": {\"node\": 0}", "\"in\": {\"node\": 9}"),
            &[
                "node 2 (lpf",
                "param \"in\"",
                "node 9, which does not exist",
            ],
        );
    }

    /// The engine orders the graph itself: stages come from the edges (longest path from a
    /// source; `prev` edges do not count), whatever stages the JSON carries and in whatever
    /// order the nodes are listed.
    #[test]
    fn stages_come_from_the_edges() {
        let ir = parse(&GOOD.replace("[[0, 1], [2], [3]]", "[[3, 2, 1, 0]]")).unwrap();
        assert_eq!(ir.stages, vec![vec![0, 1], vec![2], vec![3]]);
        // A chain listed last-first: node i reads node i + 1, so node 3 is stage 0.
        let chain = r#"{"version": 1, "nodes": [
          {"id": 0, "kind": "abs", "params": {"in": {"node": 1}}},
          {"id": 1, "kind": "abs", "params": {"in": {"node": 2}}},
          {"id": 2, "kind": "mul", "params": {"a": {"node": 3}, "b": {"prev": 0}}},
          {"id": 3, "kind": "sine", "params": {}}]}"#;
        assert_eq!(
            parse(chain).unwrap().stages,
            vec![vec![3], vec![2], vec![1], vec![0]]
        );
        // 100,000 nodes in one chain: no recursion, so no stack overflow.
        let n = 100_000;
        let nodes: Vec<String> = (0..n)
            .map(|i| match i {
                0 => r#"{"id": 0, "kind": "sine", "params": {}}"#.to_string(),
                _ => format!(
                    r#"{{"id": {i}, "kind": "abs", "params": {{"in": {{"node": {}}}}}}}"#,
                    i - 1
                ),
            })
            .collect();
        let long = format!(r#"{{"version": 1, "nodes": [{}]}}"#, nodes.join(","));
        assert_eq!(parse(&long).unwrap().stages.len(), n);
    }

    /// A loop of node inputs without a `prev` edge cannot be ordered: it is named.
    #[test]
    fn a_loop_of_inputs_is_rejected() {
        let looped = r#"{"version": 1, "nodes": [
          {"id": 0, "kind": "abs", "params": {"in": {"node": 2}}},
          {"id": 1, "kind": "abs", "params": {"in": {"node": 0}}},
          {"id": 2, "kind": "abs", "params": {"in": {"node": 1}}}]}"#;
        let e = parse(looped).unwrap_err().to_string();
        assert!(
            e.contains("on a loop of node inputs") && e.contains("prev"),
            "{e}"
        );
    }

    #[test]
    fn other_rules_name_the_problem() {
        expect_err(
            &GOOD.replace("\"version\": 1", "\"version\": 2"),
            &["version is 2"],
        );
        expect_err(
            &GOOD.replace("\"id\": 3, \"key\"", "\"id\": 4, \"key\""),
            &["nodes[3] has id 4"],
        );
        expect_err(
            &GOOD.replace(
                "\"cutoff\": {\"const\": 800}",
                "\"cutof\": {\"const\": 800}",
            ),
            &["node 2", "unknown param \"cutof\"", "in, cutoff, q"],
        );
        expect_err(
            &GOOD.replace(
                "\"cutoff\": {\"const\": 800}",
                "\"cutoff\": {\"const\": 800, \"node\": 1}",
            ),
            &["param \"cutoff\" has more than one"],
        );
        expect_err(
            &GOOD.replace("\"in\": {\"node\": 0}, ", ""),
            &["node 2", "missing required param \"in\""],
        );
        expect_err(
            &GOOD.replace(
                "\"kind\": \"trigger\", \"node\": 1",
                "\"kind\": \"trigger\", \"node\": 0",
            ),
            &[
                "lane 0 (trigger \"bd*4\" at line 3, col 1)",
                "node 0 (sine",
                "does not",
            ],
        );
        expect_err(
            &GOOD.replace("\"param\": \"freq\"", "\"param\": \"width\""),
            &[
                "node 0 (sine",
                "refers to lane 1 (param \"110 220\")",
                "not a param or gate lane for this node's \"freq\"",
            ],
        );
        let extra = |lane: &str| {
            GOOD.replace(
                "\"pattern\": \"110 220\"}",
                &format!("\"pattern\": \"110 220\"}}, {lane}"),
            )
        };
        expect_err(
            &extra(r#"{"id": 2, "kind": "param", "node": 0, "param": "width", "pattern": "0.5"}"#),
            &[
                "lane 2 (param \"0.5\")",
                "node 0 (sine at line 1, col 6) has no param \"width\"",
            ],
        );
        expect_err(
            &extra(r#"{"id": 2, "kind": "param", "node": 0, "param": "freq"}"#),
            &[
                "lane 2",
                "param \"freq\" does not read this lane",
                "{\"lane\": 2}",
            ],
        );
        expect_err(
            &extra(r#"{"id": 2, "kind": "bogus", "node": 0}"#),
            &["lane 2", "unknown lane kind \"bogus\""],
        );
        expect_err(
            &GOOD.replace("{\"lane\": 1, \"init\": 110}", "{\"lane\": 0}"),
            &["node 0 (sine", "lane 0", "not a param or gate lane"],
        );
        expect_err(
            &GOOD.replace(
                "\"name\": \"out\", \"node\": 3",
                "\"name\": \"out\", \"node\": 8",
            ),
            &["output \"out\"", "node 8"],
        );
        expect_err(
            &GOOD.replace("\"nodes\"", "\"nodez\""),
            &["GraphIR JSON", "nodes"],
        );
        expect_err("{not json", &["GraphIR JSON"]);
    }
}
