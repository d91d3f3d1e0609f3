//! Feedback through `prev` (a one-block delay) and the `outmix` modes, checked against hand calculations on the executor (no master limiter in the way).

use phonon_core::executor::Executor;
use phonon_core::ir::GraphIr;
use phonon_core::kernels::Context;
use phonon_core::plan::Plan;
use phonon_core::SampleBank;

fn exec(json: &str, block: usize) -> Executor {
    let ir = GraphIr::parse(&mut json.as_bytes().to_vec()).unwrap();
    Executor::new(Plan::build(&ir, 44100.0, block))
}

/// Runs one block of `n` frames and returns the mixed left and right channels.
fn block(e: &mut Executor, bank: &SampleBank, n: usize) -> (Vec<f32>, Vec<f32>) {
    let ctx = Context {
        sample_rate: 44100.0,
        frames: n,
        bank,
        lanes: &[],
    };
    e.run(&ctx);
    let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
    e.mix_into(&mut l, &mut r, phonon_core::executor::Pick::All);
    (l, r)
}

/// `~acc: ~in + ~acc * 0.5` with `~in` = 0.25: the feedback is one block late, so block k holds
/// acc_k = 0.25 + 0.5·acc_(k−1), acc_(−1) = 0, i.e. 0.5·(1 − 0.5^(k+1)), constant over the block.
/// (The delay is one block, so the result depends on the block size by design.)
#[test]
fn a_bus_reading_itself_is_a_one_block_geometric_sum() {
    // Node 0 (stage 0) reads node 1 (stage 1) through prev: stages ignore prev edges.
    let json = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "mul", "params": {"a": {"prev": 1}, "b": {"const": 0.5}}},
      {"id": 1, "kind": "add", "params": {"a": {"const": 0.25}, "b": {"node": 0}}}],
      "outputs": [{"name": "out", "node": 1}], "stages": [[0], [1]]}"#;
    let bank = SampleBank::default();
    for n in [64, 100] {
        let mut e = exec(json, 128);
        for k in 0..12 {
            let (l, r) = block(&mut e, &bank, n);
            let want = 0.5 * (1.0 - 0.5f64.powi(k + 1));
            for (a, b) in l.iter().zip(&r) {
                assert!((*a as f64 - want).abs() < 1e-6, "block {k}: {a} vs {want}");
                assert_eq!(a, b);
            }
        }
    }
}

/// A self-reference without prev is still an error, and prev to a missing node is named.
#[test]
fn prev_and_input_are_validated() {
    let bad = |j: &str| {
        GraphIr::parse(&mut j.as_bytes().to_vec())
            .unwrap_err()
            .to_string()
    };
    let e = bad(r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "mul", "params": {"a": {"prev": 4}}}], "stages": [[0]]}"#);
    assert!(
        e.contains("node 0 (mul") && e.contains("prev") && e.contains("node 4"),
        "{e}"
    );
    let e = bad(r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "mul", "params": {"a": {"input": 0}}}], "stages": [[0]]}"#);
    assert!(e.contains("only valid inside a voice template"), "{e}");
    let e = bad(r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "mul", "params": {"a": {"node": 0}}}], "stages": [[0]]}"#);
    assert!(e.contains("the node itself") && e.contains("prev"), "{e}");
    let e = bad(r#"{"version": 1, "nodes": [{"id": 0, "kind": "voices"}], "stages": [[0]]}"#);
    assert!(e.contains("needs data \"template\""), "{e}");
    let e = bad(r#"{"version": 1, "nodes": [], "stages": [], "outmix": "loud"}"#);
    assert!(e.contains("outmix is \"loud\""), "{e}");
    let e = bad(
        r#"{"version": 1, "nodes": [{"id": 0, "kind": "voices", "data": {"template": 0}}],
      "stages": [[0]], "templates": [{"id": 0, "name": "v", "output": 0, "stages": [[0]],
      "nodes": [{"id": 0, "kind": "sine", "params": {"freq": {"input": 9}}}]}]}"#,
    );
    assert!(
        e.contains("template 0 (\"v\") node 0 (sine") && e.contains("input 9"),
        "{e}"
    );
    // Everything new at once parses: data of every shape, buffer, control, template lanes.
    GraphIr::parse(
        &mut r#"{"version": 1, "buffer": 512, "control": {"setCycle": 4, "panic": true},
      "outmix": "sqrt",
      "nodes": [{"id": 0, "kind": "voices", "data": {"template": 0, "voices": 8, "name": "x", "amps": [1, 0.5]}}],
      "stages": [[0]],
      "lanes": [{"id": 0, "kind": "trigger", "node": 0, "pattern": "~v"},
                {"id": 1, "kind": "gate", "node": 1, "param": "gate", "template": 0, "pattern": "1 0"}],
      "templates": [{"id": 0, "name": "v", "output": 1, "stages": [[0], [1]],
        "pitch": [{"node": 0, "param": "freq", "base": 1}],
        "nodes": [{"id": 0, "kind": "saw", "params": {"freq": {"const": 1}}},
                  {"id": 1, "kind": "adsr", "params": {"gate": {"lane": 1, "init": 1}}}]}]}"#
            .as_bytes()
            .to_vec(),
    )
    .unwrap();
}

/// Three constant outputs 0.5, 0.75 (stereo-less) and −0.25: sum 1.0, N = 3.
#[test]
fn outmix_modes_match_hand_calculations() {
    let json = |mix: &str, a: f32| {
        format!(
            r#"{{"version": 1, "outmix": "{mix}", "nodes": [
          {{"id": 0, "kind": "add", "params": {{"a": {{"const": {a}}}, "b": {{"const": 0}}}}}},
          {{"id": 1, "kind": "add", "params": {{"a": {{"const": 0.75}}, "b": {{"const": 0}}}}}},
          {{"id": 2, "kind": "add", "params": {{"a": {{"const": -0.25}}, "b": {{"const": 0}}}}}}],
          "outputs": [{{"name": "a", "node": 0}}, {{"name": "b", "node": 1}}, {{"name": "c", "node": 2}}],
          "stages": [[0, 1, 2]]}}"#
        )
    };
    let bank = SampleBank::default();
    let cases: &[(&str, f32, f32)] = &[
        ("none", 0.5, 1.0),
        ("gain", 0.5, 1.0 / 3.0),
        ("sqrt", 0.5, 1.0 / 3f32.sqrt()),
        ("tanh", 0.5, 1f32.tanh()),
        ("hard", 0.5, 1.0),
        ("hard", 2.5, 1.0),
        ("hard", -2.5, -1.0),
        ("tanh", 2.5, 3f32.tanh()),
        ("none", 2.5, 3.0),
    ];
    for &(mix, a, want) in cases {
        let mut e = exec(&json(mix, a), 64);
        let (l, r) = block(&mut e, &bank, 64);
        for x in l.iter().chain(&r) {
            assert!((x - want).abs() < 1e-6, "{mix} with a = {a}: {x} vs {want}");
        }
    }
}
