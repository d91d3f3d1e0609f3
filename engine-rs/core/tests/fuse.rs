//! Fusion against the graph as written: the same sound (bit for bit where the operation order is kept, within a stated bound where folds reassociate), fewer nodes and stages, and number-only reloads that patch folded constants.

use phonon_core::executor::Executor;
use phonon_core::ir::GraphIr;
use phonon_core::kernels::Context;
use phonon_core::plan::{Plan, Role};
use phonon_core::{Engine, SampleBank};

#[path = "common/graph.rs"]
mod graph;
use graph::sine_bank;

const SR: f32 = 44100.0;

fn plan(json: &str, fuse: bool) -> Plan {
    let ir = GraphIr::parse(&mut json.as_bytes().to_vec()).unwrap();
    Plan::build_with(&ir, SR, 256, fuse)
}

/// A fused plan whose long sums are not split into parts (so every term is added in the
/// written order, as the unfused chain does).
fn unsplit(json: &str) -> Plan {
    let mut p = plan(json, true);
    p.graph.plan_work(false);
    p
}

/// Renders `blocks` blocks (sizes cycling through 256, 100, 37) of a plan and returns the mix.
fn render(plan: Plan, blocks: usize) -> (Vec<f32>, Vec<f32>) {
    let mut e = Executor::new(plan);
    let bank = SampleBank::default();
    let (mut l, mut r) = (Vec::new(), Vec::new());
    for k in 0..blocks {
        let n = [256, 100, 37][k % 3];
        let ctx = Context {
            sample_rate: SR,
            frames: n,
            bank: &bank,
            lanes: &[],
        };
        e.run(&ctx);
        let (mut bl, mut br) = (vec![0.0; n], vec![0.0; n]);
        e.mix_into(&mut bl, &mut br, phonon_core::executor::Pick::All);
        l.extend(bl);
        r.extend(br);
    }
    (l, r)
}

/// A 64-sine bank fuses into one sum of 64 absorbed sines in two stages, and sounds bit for
/// bit as written: the folds keep every operation (x·g, then left-to-right sums) in order.
#[test]
fn a_sine_bank_becomes_one_sum_with_the_same_bits() {
    let json = sine_bank(64);
    let fused = plan(&json, true);
    let g = &fused.graph;
    assert_eq!(g.nodes.len(), 65, "64 sines and one sum");
    assert_eq!(g.stages.len(), 2);
    let sums: Vec<_> = g
        .nodes
        .iter()
        .filter(|n| matches!(n.role, Role::Sum { .. }))
        .collect();
    assert_eq!(sums.len(), 1);
    assert_eq!(g.terms.len(), 64);
    assert!(g.terms.iter().all(|t| t.absorbed && t.gain == 1.0 / 64.0));
    let unfused = plan(&json, false);
    assert_eq!(unfused.graph.nodes.len(), 64 * 3 - 1);
    assert_eq!(g.work.len(), 4, "split into 4 parts of 16 terms");
    let (a, _) = render(unsplit(&json), 400);
    let (b, _) = render(unfused, 400);
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.to_bits(), y.to_bits(), "frame {i}: fused {x} vs {y}");
    }
    // Split into parts (summed apart, then added in part order), only the association of the
    // additions changes: each of the 63 additions rounds by at most 2^-24 of a partial sum of
    // magnitude ≤ Σ|terms| ≤ 1, so the two differ by less than 63 · 2^-24 ≈ 3.8e-6.
    let (split, _) = render(fused, 400);
    let worst = split
        .iter()
        .zip(&a)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 3.8e-6, "split vs in order: {worst}");
    let a = split;
    // And it is the bank: RMS sqrt(N/2)/N within 1 % over these 52,400 frames (1.19 s: the
    // closest sines, 6.7 Hz apart, beat over 150 ms, so their cross terms average out).
    let rms = (a.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / a.len() as f64).sqrt();
    let want = (32.0f64).sqrt() / 64.0;
    assert!((rms - want).abs() / want < 0.01, "rms {rms} vs {want}");
}

/// Folds that reassociate, across every kind of term: a stereo sampler-free source (pan2),
/// mono and stereo terms mixed, `sub` in both operand orders, constants on both sides, a sum
/// scaled and offset and then spliced into another, a lane, and a `prev` feedback read. Fused
/// and unfused agree within 1e-6: each reassociated fold changes at most a few f32 roundings
/// (2^-24 ≈ 6e-8 relative) of values of magnitude ≤ 2 here, with at most 5 folds on any path.
#[test]
fn reassociating_folds_stay_within_rounding() {
    let json = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "sine", "params": {"freq": {"const": 220}}},
      {"id": 1, "kind": "saw", "params": {"freq": {"const": 331}}},
      {"id": 2, "kind": "pan2", "params": {"in": {"node": 0}, "pos": {"const": 0.3}}},
      {"id": 3, "kind": "mul", "params": {"a": {"const": 0.7}, "b": {"node": 1}}},
      {"id": 4, "kind": "add", "params": {"a": {"node": 3}, "b": {"const": 0.1}}},
      {"id": 5, "kind": "sub", "params": {"a": {"const": 0.2}, "b": {"node": 4}}},
      {"id": 6, "kind": "add", "params": {"a": {"node": 2}, "b": {"node": 5}}},
      {"id": 7, "kind": "mul", "params": {"a": {"node": 6}, "b": {"const": 0.5}}},
      {"id": 8, "kind": "sub", "params": {"a": {"node": 7}, "b": {"const": 0.05}}},
      {"id": 9, "kind": "tri", "params": {"freq": {"const": 97}}},
      {"id": 10, "kind": "sub", "params": {"a": {"node": 9}, "b": {"node": 8}}},
      {"id": 11, "kind": "add", "params": {"a": {"node": 10}, "b": {"prev": 10}}},
      {"id": 12, "kind": "mul", "params": {"a": {"node": 11}, "b": {"const": 0.3}}},
      {"id": 13, "kind": "square", "params": {"freq": {"const": 55}}},
      {"id": 14, "kind": "add", "params": {"a": {"node": 12}, "b": {"node": 13}}},
      {"id": 15, "kind": "mul", "params": {"a": {"node": 14}, "b": {"const": 0.25}}}],
      "outputs": [{"name": "out", "node": 15}],
      "stages": [[0, 1, 9, 13], [2, 3], [4], [5], [6], [7], [8], [10], [11], [12], [14], [15]]}"#;
    let fused = plan(json, true);
    let unfused = plan(json, false);
    assert!(fused.graph.nodes.len() < unfused.graph.nodes.len());
    assert!(fused.graph.stages.len() < unfused.graph.stages.len());
    let (fl, fr) = render(fused, 40);
    let (ul, ur) = render(unfused, 40);
    let mut worst = 0.0f32;
    for (a, b) in fl.iter().zip(&ul).chain(fr.iter().zip(&ur)) {
        worst = worst.max((a - b).abs());
    }
    assert!(worst <= 1e-6, "largest difference {worst}");
    assert!(fl.iter().any(|v| v.abs() > 0.05), "the graph makes sound");
    assert!(
        fl.iter().zip(&fr).any(|(l, r)| l != r),
        "stereo survives fusion"
    );
}

/// `sine 440 * 0.5` then `sine 440 * 0.25` with the same keys: the gain lives in the sine's
/// folded output gain, and a number-only reload patches it in place (no new plan), so the
/// output halves from the next block while the phase runs on.
#[test]
fn a_number_reload_patches_a_folded_gain() {
    let src = |g: f64| {
        format!(
            r#"{{"version": 1, "nodes": [
          {{"id": 0, "key": "osc", "kind": "sine", "params": {{"freq": {{"const": 440}}}}}},
          {{"id": 1, "key": "out", "kind": "mul", "params": {{"a": {{"node": 0}}, "b": {{"const": {g}}}}}}}],
          "outputs": [{{"name": "out", "node": 1}}], "stages": [[0], [1]]}}"#
        )
    };
    let run = |gains: &[f64]| {
        let mut e = Engine::new(SR as u32, 256);
        let mut out = Vec::new();
        for g in gains {
            e.load(&mut src(*g).into_bytes()).unwrap();
            let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
            e.render(&mut l, &mut r);
            out.push(l);
        }
        (out, e.stats().patches)
    };
    let (half, _) = run(&[0.5, 0.5]);
    let (quarter, patches) = run(&[0.5, 0.25]);
    assert_eq!(patches, 1, "the second load patched the running plan");
    assert_eq!(half[0], quarter[0]);
    for (a, b) in half[1].iter().zip(&quarter[1]) {
        assert_eq!(*b, *a * 0.5, "x·0.25 = (x·0.5)·0.5 exactly in binary");
    }
}

/// A bank of `voices` `saw_naive → filter` voices with their own sine LFOs on the cutoff, summed
/// at 0.05 each: voice `constant` (if any) has a constant cutoff and voice `hpf` (if any) is an
/// `hpf`, the others `lpf`s.
fn filter_bank(voices: usize, constant: Option<usize>, hpf: Option<usize>) -> String {
    let mut nodes = Vec::new();
    let mut stages: Vec<Vec<usize>> = vec![Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for i in 0..voices {
        let base = 5 * i;
        let f = 55.0 * 2f64.powf(3.0 * i as f64 / voices as f64);
        let lfo = 0.1 + 0.4 * i as f64 / voices as f64;
        let kind = if Some(i) == hpf { "hpf" } else { "lpf" };
        let cutoff = if Some(i) == constant {
            r#"{"const": 900}"#.to_string()
        } else {
            format!(r#"{{"node": {}}}"#, base + 2)
        };
        nodes.push(format!(
            r#"{{"id": {base}, "kind": "saw_naive", "params": {{"freq": {{"const": {f}}}}}}}"#
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "sine", "params": {{"freq": {{"const": {lfo}}}}}}}"#,
            base + 1
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "mul", "params": {{"a": {{"node": {}}}, "b": {{"const": 800}}}}}}"#,
            base + 2,
            base + 1
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "{kind}", "params": {{"in": {{"node": {base}}}, "cutoff": {cutoff}, "q": {{"const": 4}}}}}}"#,
            base + 3
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "mul", "params": {{"a": {{"node": {}}}, "b": {{"const": 0.05}}}}}}"#,
            base + 4,
            base + 3
        ));
        stages[0].extend([base, base + 1]);
        stages[1].push(base + 2);
        stages[2].push(base + 3);
        stages[3].push(base + 4);
    }
    let terms: Vec<usize> = (0..voices).map(|i| 5 * i + 4).collect();
    graph::sum_program(nodes, stages, &terms)
}

fn assert_same_bits(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: frame {i}: {x} vs {y}");
    }
}

/// Filters in a sum render as lanes of one loop (`lpf` groups of up to 16): a bank of 19
/// voices, one with a constant cutoff (its group cannot run in lockstep and renders lane by
/// lane) and one `hpf` (another kind, which breaks the run). Grouped, the output is the unfused
/// graph's bit for bit: every lane does the operations its filter would do alone, and the sum
/// adds in the written order.
#[test]
fn filter_lanes_sound_exactly_like_single_filters() {
    let voices = 19;
    let json = filter_bank(voices, Some(5), Some(11));
    let fused = plan(&json, true);
    assert!(
        fused.graph.terms.iter().filter(|t| t.absorbed).count() == voices,
        "every filter is absorbed into the sum"
    );
    let parts = fused.graph.work.iter().filter(|w| w.split).count();
    assert_eq!(parts, 2, "19 terms: parts of 16 and 3");
    let (a, _) = render(unsplit(&json), 200);
    let (b, _) = render(plan(&json, false), 200);
    assert_same_bits(&a, &b, "lanes vs single");
    assert!(a.iter().any(|v| v.abs() > 0.01), "the bank makes sound");
}

/// Two full groups of 16 modulated `lpf`s in lockstep render the whole block in one loop whose
/// frame-by-lane transposes are AVX-512 shuffles at that level and element-by-element copies
/// (their scalar twins) below it: at every level this CPU has, the bits of the filters rendered
/// one by one.
#[test]
fn filter_lanes_agree_at_every_simd_level() {
    use phonon_core::kernels::simd::{force, Level};
    let json = filter_bank(32, None, None);
    let (single, _) = render(plan(&json, false), 200);
    for want in [Level::Scalar, Level::Avx2, Level::Avx512] {
        let got = force(Some(want));
        let (lanes, _) = render(unsplit(&json), 200);
        force(None);
        assert_same_bits(&lanes, &single, &format!("lanes at {}", got.name()));
    }
    assert!(
        single.iter().any(|v| v.abs() > 0.01),
        "the bank makes sound"
    );
}
