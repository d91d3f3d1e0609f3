//! GraphIR v1: the serde types of the JSON the TypeScript compiler sends, parsing with simd-json, and validation.
//!
//! Unknown fields are ignored (forward compatible); unknown kinds, unknown params and broken
//! references are errors whose message names the node, lane or field and its source location.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::EngineError;
use crate::kernels::{self, KindSpec};

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
    /// Node ids by stage; stage k only reads nodes of stages < k.
    pub stages: Vec<Vec<u32>>,
}

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
    /// A name from [`kernels::KINDS`].
    pub kind: String,
    /// Port name → value.
    #[serde(default)]
    pub params: BTreeMap<String, ParamIr>,
    /// Where the node comes from.
    #[serde(default)]
    pub loc: Option<Loc>,
}

/// A param as written in JSON: exactly one of `const`, `node`, `lane` (with optional `init`).
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
}

impl ParamIr {
    /// The param as an enum, or a message saying what is wrong with its shape.
    pub fn resolve(&self) -> Result<Param, String> {
        match (self.constant, self.node, self.lane) {
            (Some(c), None, None) => {
                if c.is_finite() {
                    Ok(Param::Const(c as f32))
                } else {
                    Err(format!("constant {c} is not finite"))
                }
            }
            (None, Some(n), None) => Ok(Param::Node(n)),
            (None, None, Some(l)) => {
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
            (None, None, None) => Err("has none of \"const\", \"node\", \"lane\"".into()),
            _ => Err("has more than one of \"const\", \"node\", \"lane\"".into()),
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

/// What a lane drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneKind {
    /// Starts voices on a node that takes triggers.
    Trigger,
    /// Steps a param of a node.
    Param,
    /// Holds a param at an event's value for its length, then 0 (envelope gates).
    Gate,
}

impl LaneKind {
    /// The kind's name in GraphIR.
    pub fn name(self) -> &'static str {
        match self {
            LaneKind::Trigger => "trigger",
            LaneKind::Param => "param",
            LaneKind::Gate => "gate",
        }
    }
}

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
        let ir: GraphIr =
            simd_json::serde::from_slice(json).map_err(|e| EngineError::Json(e.to_string()))?;
        ir.validate()?;
        Ok(ir)
    }

    /// "node 3 (lpf at line 2, col 5)", for messages.
    pub fn node_label(&self, id: u32) -> String {
        match self.nodes.get(id as usize) {
            Some(n) => format!("node {} ({}{})", id, n.kind, at(&n.loc)),
            None => format!("node {id}"),
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
        kernels::spec(&self.nodes.get(id as usize)?.kind)
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
        let n_nodes = self.nodes.len();
        let n_lanes = self.lanes.len();
        // Nodes: ids, kinds, params.
        for (i, node) in self.nodes.iter().enumerate() {
            if node.id as usize != i {
                return err(format!(
                    "nodes[{i}] has id {}; node ids must equal their index",
                    node.id
                ));
            }
            let label = self.node_label(node.id);
            let Some(spec) = kernels::spec(&node.kind) else {
                return err(format!(
                    "{label}: unknown kind \"{}\" (known kinds: {})",
                    node.kind,
                    kernels::KINDS.join(", ")
                ));
            };
            for (name, p) in &node.params {
                if spec.port(name).is_none() {
                    let ports: Vec<&str> = spec.ports.iter().map(|p| p.name).collect();
                    return err(format!(
                        "{label}: unknown param \"{name}\" ({} takes: {})",
                        node.kind,
                        ports.join(", ")
                    ));
                }
                let param = p
                    .resolve()
                    .map_err(|m| EngineError::Ir(format!("{label}: param \"{name}\" {m}")))?;
                match param {
                    Param::Const(_) => {}
                    Param::Node(src) => {
                        if src as usize >= n_nodes {
                            return err(format!(
                                "{label}: param \"{name}\" refers to node {src}, which does not exist (the graph has {n_nodes} nodes)"
                            ));
                        }
                        if src == node.id {
                            return err(format!(
                                "{label}: param \"{name}\" refers to the node itself"
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
            let Some(spec) = self.spec(lane.node) else {
                return err(format!(
                    "{label}: drives node {}, which does not exist (the graph has {n_nodes} nodes)",
                    lane.node
                ));
            };
            let target = self.node_label(lane.node);
            match kind {
                LaneKind::Trigger => {
                    if !spec.triggers {
                        return err(format!(
                            "{label}: a trigger lane must drive a node that plays voices (sampler), but {target} does not"
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
                        self.nodes[lane.node as usize].params.get(param).map(|p| p.resolve()),
                        Some(Ok(Param::Lane { lane: l, .. })) if l == lane.id
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
        // Stages: every node exactly once; node inputs from earlier stages.
        let mut stage_of: Vec<Option<usize>> = vec![None; n_nodes];
        for (k, stage) in self.stages.iter().enumerate() {
            for &id in stage {
                let Some(slot) = stage_of.get_mut(id as usize) else {
                    return err(format!(
                        "stage {k} lists node {id}, which does not exist (the graph has {n_nodes} nodes)"
                    ));
                };
                if let Some(prev) = slot {
                    return err(format!(
                        "{} is listed in stage {prev} and again in stage {k}; each node belongs to exactly one stage",
                        self.node_label(id)
                    ));
                }
                *slot = Some(k);
            }
        }
        if let Some(missing) = stage_of.iter().position(|s| s.is_none()) {
            return err(format!(
                "{} is in no stage; every node belongs to exactly one stage",
                self.node_label(missing as u32)
            ));
        }
        for node in &self.nodes {
            let k = stage_of[node.id as usize].unwrap_or(0);
            for (name, p) in &node.params {
                if let Ok(Param::Node(src)) = p.resolve() {
                    let ks = stage_of[src as usize].unwrap_or(0);
                    if ks >= k {
                        return err(format!(
                            "{} (stage {k}): param \"{name}\" reads {} from stage {ks}; inputs must come from earlier stages",
                            self.node_label(node.id),
                            self.node_label(src)
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
        assert_eq!(
            ir.nodes[2].params["cutoff"].resolve(),
            Ok(Param::Const(800.0))
        );
        assert_eq!(
            ir.nodes[0].params["freq"].resolve(),
            Ok(Param::Lane {
                lane: 1,
                init: 110.0
            })
        );
        assert_eq!(ir.nodes[0].loc, Some(Loc { line: 1, col: 6 }));
        assert_eq!(ir.lanes[0].lane_kind(), Some(LaneKind::Trigger));
        assert_eq!(ir.stages.len(), 3);
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

    #[test]
    fn input_from_same_or_later_stage_is_rejected() {
        expect_err(
            &GOOD.replace("[[0, 1], [2], [3]]", "[[0, 1, 2], [3]]"),
            &[
                "node 2 (lpf",
                "stage 0",
                "param \"in\" reads node 0",
                "earlier stages",
            ],
        );
        expect_err(
            &GOOD.replace("[[0, 1], [2], [3]]", "[[2], [0, 1], [3]]"),
            &["node 2", "from stage 1"],
        );
    }

    #[test]
    fn stage_membership_is_exactly_once() {
        expect_err(
            &GOOD.replace("[[0, 1], [2], [3]]", "[[0, 1], [2]]"),
            &["node 3 (add", "in no stage"],
        );
        expect_err(
            &GOOD.replace("[[0, 1], [2], [3]]", "[[0, 1], [2], [3, 1]]"),
            &["node 1 (sampler", "stage 0 and again in stage 2"],
        );
        expect_err(
            &GOOD.replace("[[0, 1], [2], [3]]", "[[0, 1], [2], [3, 7]]"),
            &["stage 2 lists node 7"],
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
