//! Proves the render thread allocates nothing: a counting global allocator around `render` and `push_events`.

use phonon_core::Engine;

mod common;
use common::counted;
#[path = "common/every_kind.rs"]
mod every_kind;
#[path = "common/graph.rs"]
mod graph;
use every_kind::{every_kind_events, every_kind_graph};

/// Trigger and set records for frames `from..to`, every `step` frames.
fn events(e: &mut Engine, from: u64, to: u64, step: u64) -> Vec<f64> {
    let ids: Vec<f64> = ["bd", "sn", "hh", "cp"]
        .iter()
        .map(|n| e.sample_id(n, 0).unwrap() as f64)
        .collect();
    let mut b = Vec::new();
    let mut k = 0;
    let mut f = from;
    while f < to {
        b.extend_from_slice(&[
            f as f64,
            0.0,
            2.0,
            3.0,
            0.0,
            ids[k % 4],
            1.0,
            0.7,
            2.0,
            (k % 5) as f64 / 4.0,
        ]);
        b.extend_from_slice(&[
            f as f64 + 7.0,
            1.0,
            0.0,
            1.0,
            0.0,
            220.0 + (k % 3) as f64 * 110.0,
        ]);
        b.extend_from_slice(&[
            f as f64 + 3.0,
            1.0,
            1.0,
            1.0,
            0.0,
            500.0 + (k % 4) as f64 * 700.0,
        ]);
        k += 1;
        f += step;
    }
    b
}

#[test]
fn render_and_push_events_allocate_nothing() {
    // The counter works: one allocation and one free.
    assert_eq!(counted(|| drop(std::hint::black_box(vec![1u8; 10]))), 2);
    let mut e = Engine::new(44100, 256);
    let mut ir = include_str!("fixtures/every_kind.json").as_bytes().to_vec();
    e.load(&mut ir).unwrap();
    // Dense enough to keep voices sounding, steal voices and step lanes inside blocks.
    let warm = events(&mut e, 0, 44100, 97);
    let later = events(&mut e, 46000, 4 * 44100, 61);
    e.push_events(&warm).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 300], vec![0.0f32; 300]);
    for _ in 0..150 {
        e.render(&mut l, &mut r);
    }
    let pushes = counted(|| {
        e.push_events(&later).unwrap();
    });
    assert_eq!(pushes, 0, "push_events allocated");
    let renders = counted(|| {
        for _ in 0..450 {
            e.render(&mut l, &mut r);
        }
        // Odd sizes: a single frame, zero frames, unequal slices, partial blocks.
        e.render(&mut l[..1], &mut r[..1]);
        e.render(&mut l[..0], &mut r[..0]);
        e.render(&mut l[..299], &mut r[..257]);
    });
    assert_eq!(renders, 0, "render allocated or freed");
    let s = e.stats();
    assert!(s.voices_peak > 0, "{s:?}");
    assert_eq!(s.late_events + s.dropped_events, 0, "{s:?}");
    assert!(s.peak_left > 0.0);
}

/// A reload on the render side — taking the new program, carrying state over by key, the
/// crossfade, and queueing the new program's events — allocates and frees nothing there: what
/// is let go of comes back as `Retired` and is dropped outside the counted region.
#[test]
fn swapping_programs_allocates_nothing_on_the_render_side() {
    let (mut loader, mut renderer) = Engine::new(44100, 256).into_parts();
    let fixture = include_str!("fixtures/every_kind.json");
    let (first, _) = loader.build(&mut fixture.as_bytes().to_vec()).unwrap();
    drop(renderer.swap(first));
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..20 {
        renderer.render(&mut l, &mut r);
    }
    // Same structure (state carried over), then a changed output key (crossfade).
    let (same, _) = loader.build(&mut fixture.as_bytes().to_vec()).unwrap();
    // Node 8 is an output: a new key for it is a structural output change.
    let changed_json = fixture.replace("\"k8\"", "\"k8-changed\"");
    let (changed, _) = loader.build(&mut changed_json.as_bytes().to_vec()).unwrap();
    let mut kept = Vec::with_capacity(8);
    let mut faded = Vec::with_capacity(8);
    let n = counted(|| {
        kept.push(renderer.swap(same));
        for _ in 0..4 {
            renderer.render(&mut l, &mut r);
        }
        kept.push(renderer.swap(changed));
        for _ in 0..8 {
            renderer.render(&mut l, &mut r);
            if let Some(old) = renderer.take_retired() {
                faded.push(old);
            }
        }
    });
    assert_eq!(n, 0, "the render side allocated or freed during a swap");
    assert!(kept.iter().all(|r| !r.is_empty()));
    let s = renderer.stats();
    assert_eq!((s.swaps, s.crossfades), (3, 1));
    assert_eq!(
        faded.len(),
        1,
        "the faded-out program came back to be dropped"
    );
}

/// With PROFILE_DETAILED on, rendering (timing every node and stage) still allocates nothing.
/// A reload that changes a sampler's voice limit (same key) carries its voices into a pool of
/// another size, fading the ones over the new limit: on the render side that allocates nothing.
#[test]
fn changing_a_voice_limit_allocates_nothing_on_the_render_side() {
    let program = |voices: usize| {
        format!(
            r#"{{"version": 1, "nodes": [{{"id": 0, "key": "drums", "kind": "sampler", "data": {{"voices": {voices}}}}}],
              "outputs": [{{"name": "out", "node": 0}}],
              "lanes": [{{"id": 0, "kind": "trigger", "node": 0, "pattern": "bd*40"}}],
              "stages": [[0]]}}"#
        )
    };
    let (mut loader, mut renderer) = Engine::new(44100, 256).into_parts();
    let (first, _) = loader.build(&mut program(64).into_bytes()).unwrap();
    drop(renderer.swap(first));
    let bd = renderer.bank().id("bd", 0).unwrap() as f64;
    let mut batch = Vec::new();
    for k in 0..40 {
        batch.extend_from_slice(&[(k * 8) as f64, 0.0, 0.0, 1.0, 0.0, bd]);
    }
    loader
        .decode(&batch, renderer.bank().len(), |e| {
            assert!(renderer.queue_event(e));
        })
        .unwrap();
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..4 {
        renderer.render(&mut l, &mut r);
    }
    assert_eq!(renderer.stats().voices, 40);
    let (smaller, _) = loader.build(&mut program(8).into_bytes()).unwrap();
    let (larger, _) = loader.build(&mut program(256).into_bytes()).unwrap();
    let mut kept = Vec::with_capacity(4);
    let n = counted(|| {
        kept.push(renderer.swap(smaller));
        for _ in 0..4 {
            renderer.render(&mut l, &mut r);
        }
        kept.push(renderer.swap(larger));
        for _ in 0..4 {
            renderer.render(&mut l, &mut r);
        }
    });
    assert_eq!(
        n, 0,
        "the render side allocated or freed while changing a voice limit"
    );
    let s = renderer.stats();
    assert_eq!((s.voices, s.crossfades), (8, 0), "{s:?}");
}

#[test]
fn profiling_allocates_nothing_while_rendering() {
    let mut e = Engine::new(44100, 256);
    e.set_profiling(true);
    let mut ir = include_str!("fixtures/every_kind.json").as_bytes().to_vec();
    e.load(&mut ir).unwrap();
    let warm = events(&mut e, 0, 44100, 97);
    e.push_events(&warm).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..20 {
        e.render(&mut l, &mut r);
    }
    let n = counted(|| {
        for _ in 0..100 {
            e.render(&mut l, &mut r);
        }
    });
    assert_eq!(n, 0, "profiled rendering allocated");
    let report = e.profile().unwrap();
    assert_eq!(report.blocks, 120);
    // The fixture's 11 nodes less the two `mul` by a constant that fusion folds into their
    // producers (nodes 6 and 10); absorbed nodes are timed one by one inside their sum.
    assert_eq!(report.nodes.len(), 9);
    assert!(report.nodes.iter().all(|n| n.max_us >= n.mean_us));
}

#[test]
fn every_kind_renders_without_allocating() {
    let (json, lanes, voices) = every_kind_graph();
    let mut e = Engine::new(44100, 256);
    let report = e.load(&mut json.into_bytes()).unwrap();
    assert_eq!(report.nodes, 4 + 3 * phonon_core::kinds::all().count());
    let batch = every_kind_events(&mut e, &lanes, &voices, 0, 3 * 44100);
    e.push_events(&batch).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 300], vec![0.0f32; 300]);
    // Warm-up: one second.
    for _ in 0..147 {
        e.render(&mut l, &mut r);
    }
    let renders = counted(|| {
        for _ in 0..294 {
            e.render(&mut l, &mut r);
        }
        e.render(&mut l[..1], &mut r[..1]);
        e.render(&mut l[..299], &mut r[..257]);
    });
    assert_eq!(
        renders, 0,
        "render allocated or freed with every kind loaded"
    );
    let s = e.stats();
    assert_eq!(s.late_events + s.dropped_events, 0, "{s:?}");
    assert_eq!(s.nonfinite, 0, "no kind produced NaN or Inf: {s:?}");
    assert!(
        s.voice_steals > 0 && s.voices_peak > 0,
        "voices played and stole: {s:?}"
    );
    assert!(s.peak_left > 0.0);
}

/// The fused paths allocate nothing either: a sum of absorbed sines with folded gains, and a
/// bank of modulated `lpf`s rendered as lanes of one loop (groups of 8, and a remainder).
#[test]
fn fused_sums_and_filter_lanes_allocate_nothing() {
    let mut nodes = Vec::new();
    let mut terms = Vec::new();
    let voices = 11;
    for i in 0..voices {
        let b = 4 * i;
        nodes.push(format!(
            r#"{{"id": {b}, "kind": "saw_naive", "params": {{"freq": {{"const": {}}}}}}}"#,
            55 + 7 * i
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "sine", "params": {{"freq": {{"const": 0.3}}}}}}"#,
            b + 1
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "add", "params": {{"a": {{"node": {}}}, "b": {{"const": 1200}}}}}}"#,
            b + 2,
            b + 1
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "lpf", "params": {{"in": {{"node": {b}}}, "cutoff": {{"node": {}}}, "q": {{"const": 4}}}}}}"#,
            b + 3,
            b + 2
        ));
        terms.push(b + 3);
    }
    let stages = vec![
        (0..voices)
            .flat_map(|i| [4 * i, 4 * i + 1])
            .collect::<Vec<_>>(),
        (0..voices).map(|i| 4 * i + 2).collect(),
        (0..voices).map(|i| 4 * i + 3).collect(),
    ];
    let json = graph::sum_program(nodes, stages, &terms);
    let mut e = Engine::new(44100, 256);
    e.load(&mut json.into_bytes()).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..4 {
        e.render(&mut l, &mut r);
    }
    let n = counted(|| {
        for k in 0..100 {
            let m = [256, 100, 37][k % 3];
            e.render(&mut l[..m], &mut r[..m]);
        }
    });
    assert_eq!(n, 0, "fused rendering allocated");
    assert!(l.iter().any(|v| *v != 0.0));
}

/// Every envelope kind gated by a 20 Hz square (edges every 25 ms, so each runs through all of
/// its stages: attack, decay, sustain, release, idle; ramps and segments to their ends), with
/// constant times and levels (the block-run paths), inside a voice template and in the global
/// graph; the template's voices are short and dense (started and ended inside blocks, slots
/// taken again in the block they were freed, steals with their fades).
fn envelope_voices_graph() -> String {
    let envs = [
        r#""kind": "adsr", "params": {"gate": {"node": 0}, "attack": {"const": 0.005}, "decay": {"const": 0.01}, "sustain": {"const": 0.5}, "release": {"const": 0.01}}"#,
        r#""kind": "env", "params": {"gate": {"node": 0}, "attack": {"const": 0.0}, "decay": {"const": 0.0}, "sustain": {"const": 0.3}, "release": {"const": 0.0}}"#,
        r#""kind": "asr", "params": {"gate": {"node": 0}, "attack": {"const": 0.002}, "release": {"const": 0.004}}"#,
        r#""kind": "ad", "params": {"gate": {"node": 0}, "attack": {"const": 0.001}, "decay": {"const": 0.01}}"#,
        r#""kind": "ar", "params": {"gate": {"node": 0}, "attack": {"const": 0.001}, "release": {"const": 0.02}}"#,
        r#""kind": "line", "params": {"gate": {"node": 0}, "start": {"const": 0}, "end": {"const": 1}, "duration": {"const": 0.02}}"#,
        r#""kind": "xline", "params": {"gate": {"node": 0}, "start": {"const": 1}, "end": {"const": 0.001}, "duration": {"const": 0.03}}"#,
        r#""kind": "curve", "params": {"gate": {"node": 0}, "start": {"const": 0}, "end": {"const": 1}, "duration": {"const": 0.01}, "curve": {"const": -3}}"#,
        r#""kind": "segments", "params": {"gate": {"node": 0}, "level0": {"const": 0}, "level1": {"const": 1}, "level2": {"const": 0.3}, "time0": {"const": 0.003}, "time1": {"const": 0.004}}"#,
        r#""kind": "lag", "params": {"in": {"node": 0}, "time": {"const": 0.01}}"#,
    ];
    // Nodes 0 (the square gate), 1 (a saw), 2.. the envelopes, then a running sum of them.
    let nodes = |offset: usize| {
        let mut v = vec![
            r#"{"id": 0, "kind": "square", "params": {"freq": {"const": 20}}}"#.to_string(),
            r#"{"id": 1, "kind": "saw", "params": {"freq": {"const": 220}}}"#.to_string(),
        ];
        for (k, e) in envs.iter().enumerate() {
            v.push(format!(
                r#"{{"id": {}, "key": "e{}-{k}", {e}}}"#,
                2 + k,
                offset
            ));
        }
        let mut last = 1;
        let mut stages = vec!["[0, 1]".to_string()];
        stages.push(format!(
            "[{}]",
            (2..2 + envs.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for k in 0..envs.len() {
            let id = 2 + envs.len() + k;
            v.push(format!(
                r#"{{"id": {id}, "kind": "add", "params": {{"a": {{"node": {last}}}, "b": {{"node": {}}}}}}}"#,
                2 + k
            ));
            stages.push(format!("[{id}]"));
            last = id;
        }
        (v, stages, last)
    };
    let (tnodes, tstages, tout) = nodes(0);
    let template = format!(
        r#"{{"id": 0, "name": "v", "output": {tout}, "stages": [{}],
          "pitch": [{{"node": 1, "param": "freq", "base": 220}}], "nodes": [{}]}}"#,
        tstages.join(", "),
        tnodes.join(",\n")
    );
    let (mut gnodes, gstages, gout) = nodes(1);
    let voices = gout + 1;
    gnodes.push(format!(
        r#"{{"id": {voices}, "key": "v", "kind": "voices", "params": {{"gain": {{"const": 0.1}}}}, "data": {{"template": 0, "voices": 2}}}}"#
    ));
    format!(
        r#"{{"version": 1, "cps": 0.5, "nodes": [{}],
          "outputs": [{{"name": "a", "node": {gout}}}, {{"name": "b", "node": {voices}}}],
          "lanes": [{{"id": 0, "kind": "trigger", "node": {voices}, "pattern": "~v"}}],
          "stages": [{}, [{voices}]], "templates": [{template}]}}"#,
        gnodes.join(",\n"),
        gstages.join(", ")
    )
}

#[test]
fn voices_and_envelopes_allocate_nothing() {
    let mut e = Engine::new(44100, 256);
    e.load(&mut envelope_voices_graph().into_bytes()).unwrap();
    // Voices every 300 frames, 1 to 20 ms long with releases of 0 to 10 ms, two at a time at
    // most: they start and end inside blocks, reuse slots within a block and are stolen.
    let mut b = Vec::new();
    for k in 0..600u64 {
        let dur = [0.001, 0.02, 0.005][(k % 3) as usize];
        let rel = [0.0, 0.01, 0.002, 0.005][(k % 4) as usize];
        b.extend_from_slice(&[(k * 300) as f64, 0.0, 0.0, 3.0, 4.0, 110.0 + k as f64]);
        b.extend_from_slice(&[10.0, dur, 9.0, rel]);
    }
    e.push_events(&b).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..100 {
        e.render(&mut l, &mut r);
    }
    let n = counted(|| {
        for _ in 0..500 {
            e.render(&mut l, &mut r);
        }
        e.render(&mut l[..1], &mut r[..1]);
        e.render(&mut l[..199], &mut r[..199]);
    });
    assert_eq!(n, 0, "voices or envelopes allocated while rendering");
    let s = e.stats();
    assert!(s.voice_steals > 0 && s.voices_peak >= 2, "{s:?}");
    assert_eq!(s.late_events + s.dropped_events + s.nonfinite, 0, "{s:?}");
    assert!(s.peak_left > 0.0);
}
