//! A GraphIR with every kernel kind and the events that drive it, shared by the allocation and parallel tests.

use phonon_core::Engine;

/// A GraphIR using every kind in `kinds::all()` three times: with its defaults (required ports
/// fed a mono saw), with every port driven (gates by a square, one parameter by a lane stepped by
/// events, the rest by a slow sine that sweeps through the clamps), and with required ports fed
/// a stereo sampler. `voices` nodes play a small template (saw × adsr through an lpf whose
/// cutoff is the node's `in0`) and get a trigger lane each. Returns the JSON, the ids of the
/// param lanes and the ids of the voices' trigger lanes.
pub fn every_kind_graph() -> (String, Vec<u32>, Vec<u32>) {
    let mut nodes = vec![
        r#"{"id": 0, "key": "src-saw", "kind": "saw", "params": {"freq": {"const": 110}}}"#
            .to_string(),
        r#"{"id": 1, "key": "src-lfo", "kind": "sine", "params": {"freq": {"const": 0.7}}}"#
            .to_string(),
        r#"{"id": 2, "key": "src-gate", "kind": "square", "params": {"freq": {"const": 3}}}"#
            .to_string(),
        r#"{"id": 3, "key": "src-smp", "kind": "sampler", "params": {"gain": {"const": 0.5}}}"#
            .to_string(),
    ];
    let mut lanes = vec![r#"{"id": 0, "kind": "trigger", "node": 3, "pattern": "bd"}"#.to_string()];
    let mut param_lanes = Vec::new();
    let mut voice_lanes = Vec::new();
    let mut stage1 = Vec::new();
    for s in phonon_core::kinds::all() {
        let kind = s.name;
        for variant in 0..3 {
            let id = nodes.len() as u32;
            let mut params = Vec::new();
            let mut laned = false;
            for p in s.ports {
                let gate = matches!(p.name, "gate" | "trig" | "cond");
                let src = match (variant, p.default, gate) {
                    (0, None, _) => Some(r#"{"node": 0}"#.to_string()),
                    (2, None, _) => Some(r#"{"node": 3}"#.to_string()),
                    (1, _, true) => Some(r#"{"node": 2}"#.to_string()),
                    (1, None, _) => Some(r#"{"node": 0}"#.to_string()),
                    (1, Some(_), false) if !laned => {
                        laned = true;
                        let lane = lanes.len() as u32;
                        lanes.push(format!(
                            r#"{{"id": {lane}, "kind": "param", "node": {id}, "param": "{}", "pattern": "x"}}"#,
                            p.name
                        ));
                        param_lanes.push(lane);
                        Some(format!(r#"{{"lane": {lane}, "init": 0.5}}"#))
                    }
                    (1, Some(_), false) => Some(r#"{"node": 1}"#.to_string()),
                    _ => None,
                };
                if let Some(src) = src {
                    params.push(format!(r#""{}": {src}"#, p.name));
                }
            }
            let data = if kind == "voices" {
                let lane = lanes.len() as u32;
                lanes.push(format!(
                    r#"{{"id": {lane}, "kind": "trigger", "node": {id}, "pattern": "~v"}}"#
                ));
                voice_lanes.push(lane);
                r#", "data": {"template": 0, "voices": 4}"#
            } else {
                ""
            };
            nodes.push(format!(
                r#"{{"id": {id}, "key": "{kind}-{variant}", "kind": "{kind}", "params": {{{}}}{data}}}"#,
                params.join(", ")
            ));
            stage1.push(id.to_string());
        }
    }
    let outputs: Vec<String> = stage1
        .iter()
        .map(|id| format!(r#"{{"name": "o{id}", "node": {id}}}"#))
        .collect();
    let json = format!(
        r#"{{"version": 1, "cps": 0.5, "nodes": [{}], "outputs": [{}], "lanes": [{}], "stages": [[0, 1, 2, 3], [{}]], "templates": [{TEMPLATE}]}}"#,
        nodes.join(",\n"),
        outputs.join(", "),
        lanes.join(",\n"),
        stage1.join(", ")
    );
    (json, param_lanes, voice_lanes)
}

/// The voice template of [`every_kind_graph`].
const TEMPLATE: &str = r#"{"id": 0, "name": "v", "output": 3, "stages": [[0, 1], [2], [3]],
  "pitch": [{"node": 0, "param": "freq", "base": 220}],
  "nodes": [
    {"id": 0, "kind": "saw", "params": {"freq": {"const": 220}}},
    {"id": 1, "kind": "adsr", "params": {}},
    {"id": 2, "kind": "mul", "params": {"a": {"node": 0}, "b": {"node": 1}}},
    {"id": 3, "kind": "lpf", "params": {"in": {"node": 2}, "cutoff": {"input": 0}}}
  ]}"#;

/// Set events on every param lane (values that cross the clamps: −3, 0.25, 700, 0) and sampler
/// triggers, for frames `from..to`.
pub fn every_kind_events(
    e: &mut Engine,
    lanes: &[u32],
    voices: &[u32],
    from: u64,
    to: u64,
) -> Vec<f64> {
    let bd = e.sample_id("bd", 0).unwrap() as f64;
    let mut b = Vec::new();
    let mut f = from;
    let mut k = 0usize;
    while f < to {
        b.extend_from_slice(&[f as f64, 0.0, 0.0, 1.0, 0.0, bd]);
        // A sampler trigger with every sampler field: slice, reverse, envelope, loop, cut group.
        b.extend_from_slice(&[
            (f + 3) as f64,
            0.0,
            0.0,
            9.0,
            0.0,
            bd,
            3.0,
            -1.5,
            6.0,
            0.002,
            9.0,
            0.01,
            10.0,
            0.02,
            11.0,
            0.25,
            12.0,
            0.75,
            13.0,
            1.0,
            14.0,
            1.0,
        ]);
        for (j, lane) in voices.iter().enumerate() {
            // Three notes at once (more than some pools hold after a few rounds: steals).
            for note in [261.63, 329.63, 392.0] {
                b.extend_from_slice(&[
                    (f + 5 + j as u64) as f64,
                    0.0,
                    *lane as f64,
                    2.0,
                    4.0,
                    note,
                    10.0,
                    0.5,
                ]);
            }
        }
        for (j, lane) in lanes.iter().enumerate() {
            let v = [-3.0, 0.25, 700.0, 0.0][(k + j) % 4];
            b.extend_from_slice(&[
                (f + 1 + (j % 97) as u64) as f64,
                1.0,
                *lane as f64,
                1.0,
                0.0,
                v,
            ]);
        }
        k += 1;
        f += 2000;
    }
    b
}
