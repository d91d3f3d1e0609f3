//! End-to-end tests of the Engine: GraphIR in, events, stereo blocks out, master and statistics.

use phonon_core::limiter::THRESHOLD;
use phonon_core::{Engine, EngineError, Sample, WavWriter};

const SR: u32 = 44100;

fn load(e: &mut Engine, json: &str) {
    e.load(&mut json.as_bytes().to_vec()).unwrap();
}

/// Renders `n` frames in calls of the given sizes (cycled).
fn render(e: &mut Engine, n: usize, calls: &[usize]) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    let mut at = 0;
    let mut k = 0;
    while at < n {
        let m = calls[k % calls.len()].min(n - at);
        e.render(&mut l[at..at + m], &mut r[at..at + m]);
        at += m;
        k += 1;
    }
    (l, r)
}

fn first_nonzero(l: &[f32], r: &[f32]) -> Option<usize> {
    (0..l.len()).position(|i| l[i] != 0.0 || r[i] != 0.0)
}

const SINE_HALF: &str = r#"{"version": 1, "nodes": [
  {"id": 0, "kind": "sine", "params": {"freq": {"const": 440}}},
  {"id": 1, "kind": "mul", "params": {"a": {"node": 0}, "b": {"const": 0.5}}}],
  "outputs": [{"name": "out", "node": 1}], "stages": [[0], [1]]}"#;

const SAMPLER: &str = r#"{"version": 1, "nodes": [{"id": 0, "kind": "sampler"}],
  "outputs": [{"name": "out", "node": 0}],
  "lanes": [{"id": 0, "kind": "trigger", "node": 0, "pattern": "bd"}],
  "stages": [[0]]}"#;

#[test]
fn no_graph_renders_silence_and_refuses_events() {
    let mut e = Engine::new(SR, 128);
    let (l, r) = render(&mut e, 1000, &[1000]);
    assert!(l.iter().chain(&r).all(|v| *v == 0.0));
    assert_eq!(e.frame(), 1000);
    let err = e.push_events(&[0.0, 0.0, 0.0, 0.0]).unwrap_err();
    assert!(matches!(err, EngineError::NoGraph(_)), "{err}");
}

/// A 440 Hz sine at amplitude 0.5 for 1 s: RMS 0.5/√2 within 0.1 %, DFT peak at 440 Hz
/// (1 Hz bins over 1 s, searched 400..480 Hz), both channels equal, untouched by the limiter.
#[test]
fn sine_through_the_engine_has_the_right_level_and_frequency() {
    let mut e = Engine::new(SR, 512);
    load(&mut e, SINE_HALF);
    let (l, r) = render(&mut e, SR as usize, &[512]);
    assert_eq!(l, r, "a mono output goes to both channels");
    let rms = (l.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / l.len() as f64).sqrt();
    let want = 0.5 * std::f64::consts::FRAC_1_SQRT_2;
    assert!((rms - want).abs() / want < 1e-3, "rms {rms}");
    let power = |f: f64| {
        let w = std::f64::consts::TAU * f / SR as f64;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (i, x) in l.iter().enumerate() {
            re += *x as f64 * (w * i as f64).cos();
            im -= *x as f64 * (w * i as f64).sin();
        }
        re * re + im * im
    };
    let peak = (400i32..=480)
        .max_by(|a, b| power(*a as f64).total_cmp(&power(*b as f64)))
        .unwrap();
    assert!((peak - 440).abs() <= 1, "DFT peak at {peak} Hz");
    let s = e.stats();
    assert_eq!(s.limiter_frames, 0);
    assert!((s.peak_left - 0.5).abs() < 1e-4);
}

/// Triggers at frames 0, 1000 and 2500 start sound exactly there, whatever the render call sizes
/// (1000 and 2500 fall inside 512-frame blocks, and inside calls of 333 frames).
#[test]
fn sampler_triggers_start_on_their_frames() {
    for frame in [0u64, 1000, 2500] {
        for calls in [&[512usize][..], &[333, 1, 700]] {
            let mut e = Engine::new(SR, 512);
            load(&mut e, SAMPLER);
            let bd = e.sample_id("bd", 0).unwrap() as f64;
            assert_eq!(
                e.push_events(&[frame as f64, 0.0, 0.0, 1.0, 0.0, bd])
                    .unwrap(),
                1
            );
            let (l, r) = render(&mut e, 6000, calls);
            assert_eq!(
                first_nonzero(&l, &r),
                Some(frame as usize),
                "calls {calls:?}"
            );
            assert_eq!(e.stats().voices_peak, 1);
        }
    }
}

/// Triggers pushed out of order in one batch sound the same as pushed in order, and each onset
/// (found as the first frame where adding that trigger changes the output) is on its frame.
#[test]
fn out_of_order_triggers_in_one_batch() {
    let hh = Engine::new(SR, 512).sample_id("hh", 0).unwrap() as f64;
    let rec = |f: f64| vec![f, 0.0, 0.0, 1.0, 0.0, hh];
    let run = |batches: &[Vec<f64>]| {
        let mut e = Engine::new(SR, 512);
        load(&mut e, SAMPLER);
        for b in batches {
            e.push_events(b).unwrap();
        }
        let out = render(&mut e, 6000, &[512]);
        (out, e.stats().voices_peak)
    };
    let (all, peak) = run(&[[rec(2500.0), rec(0.0), rec(1000.0)].concat()]);
    let (sorted, _) = run(&[rec(0.0), rec(1000.0), rec(2500.0)]);
    assert_eq!(all, sorted);
    assert_eq!(
        peak, 3,
        "hh lasts 60 ms (2646 frames): all three sound during 2500..2646"
    );
    let (two, _) = run(&[rec(0.0), rec(1000.0)]);
    let (one, _) = run(&[rec(0.0)]);
    let diff = |a: &(Vec<f32>, Vec<f32>), b: &(Vec<f32>, Vec<f32>)| {
        (0..6000).position(|i| a.0[i] != b.0[i] || a.1[i] != b.1[i])
    };
    assert_eq!(first_nonzero(&one.0, &one.1), Some(0));
    assert_eq!(diff(&two, &one), Some(1000));
    assert_eq!(diff(&all, &two), Some(2500));
}

/// A SET at frame 300 changes the sine's frequency exactly there: the output follows a reference
/// sine whose 32-bit phase step switches from 220 Hz's to 330 Hz's after frame 300 (the
/// oscillators' phase contract: trunc(f·2^32/sr), f32 product), computed with libm's f64 sin and
/// ×0.5, within half the polynomial sine's tolerance of 10⁻⁶ (`kernels::osc::sin_turns`).
#[test]
fn param_lane_steps_at_its_exact_frame() {
    let ir = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "sine", "params": {"freq": {"lane": 0, "init": 220}}},
      {"id": 1, "kind": "mul", "params": {"a": {"node": 0}, "b": {"const": 0.5}}}],
      "outputs": [{"name": "out", "node": 1}],
      "lanes": [{"id": 0, "kind": "param", "node": 0, "param": "freq", "pattern": "220 330"}],
      "stages": [[0], [1]]}"#;
    let mut e = Engine::new(SR, 128);
    load(&mut e, ir);
    e.push_events(&[300.0, 1.0, 0.0, 1.0, 0.0, 330.0]).unwrap();
    let (l, _) = render(&mut e, 1000, &[128]);
    let turn = 4_294_967_296.0f64;
    let inc = |f: f32| (f * (turn / SR as f64) as f32) as i32 as u32;
    let mut phase = 0u32;
    let want: Vec<f64> = (0..1000)
        .map(|i| {
            let v = (std::f64::consts::TAU * phase as f64 / turn).sin() * 0.5;
            phase = phase.wrapping_add(inc(if i < 300 { 220.0 } else { 330.0 }));
            v
        })
        .collect();
    for i in 0..1000 {
        assert!(
            (l[i] as f64 - want[i]).abs() <= 0.5e-6,
            "frame {i}: {} vs {}",
            l[i],
            want[i]
        );
    }
    // And it really changed: frame 302 differs from an unchanged 220 Hz sine.
    let unchanged =
        |i: usize| ((std::f64::consts::TAU * 220.0 * i as f64 / SR as f64).sin() * 0.5) as f32;
    assert!((l[302] - unchanged(302)).abs() > 1e-4);
}

/// The whole graph (every kind, lanes, a sampler with stealing) renders the same bits whatever
/// the render call sizes and the block size.
#[test]
fn output_does_not_depend_on_call_or_block_size() {
    let run = |block: usize, calls: &[usize]| {
        let mut e = Engine::new(SR, block);
        let mut ir = include_str!("fixtures/every_kind.json").as_bytes().to_vec();
        e.load(&mut ir).unwrap();
        let sn = e.sample_id("sn", 1).unwrap() as f64;
        let mut b = Vec::new();
        for k in 0..40 {
            let f = (k * 311) as f64;
            b.extend_from_slice(&[f, 0.0, 2.0, 2.0, 0.0, sn, 3.0, 0.5 + (k % 3) as f64 * 0.4]);
            b.extend_from_slice(&[f + 5.0, 1.0, 0.0, 1.0, 0.0, 200.0 + k as f64 * 10.0]);
            b.extend_from_slice(&[f + 9.0, 1.0, 1.0, 1.0, 0.0, 300.0 + k as f64 * 50.0]);
        }
        e.push_events(&b).unwrap();
        render(&mut e, 15000, calls)
    };
    let a = run(64, &[64]);
    for (block, calls) in [
        (512, &[4096usize][..]),
        (1, &[7][..]),
        (100, &[1, 99, 333, 64][..]),
    ] {
        let b = run(block, calls);
        assert!(
            a.0.iter()
                .zip(&b.0)
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "left, block {block}"
        );
        assert!(
            a.1.iter()
                .zip(&b.1)
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "right, block {block}"
        );
    }
    assert!(a.0.iter().any(|v| *v != 0.0));
}

#[test]
fn late_events_start_at_the_next_block_and_are_counted() {
    let mut e = Engine::new(SR, 256);
    load(&mut e, SAMPLER);
    render(&mut e, 1000, &[1000]);
    let bd = e.sample_id("bd", 0).unwrap() as f64;
    e.push_events(&[500.0, 0.0, 0.0, 1.0, 0.0, bd]).unwrap();
    let (l, r) = render(&mut e, 1000, &[1000]);
    assert_eq!(
        first_nonzero(&l, &r),
        Some(0),
        "starts at frame 1000, the first frame of the next block"
    );
    assert_eq!(e.stats().late_events, 1);
}

#[test]
fn a_malformed_batch_queues_nothing_and_overflow_is_counted() {
    let mut e = Engine::new(SR, 256);
    load(&mut e, SAMPLER);
    let bd = e.sample_id("bd", 0).unwrap() as f64;
    let err = e
        .push_events(&[10.0, 0.0, 0.0, 1.0, 0.0, bd, 20.0, 0.0, 3.0, 0.0])
        .unwrap_err();
    assert!(err.to_string().contains("lane 3 does not exist"), "{err}");
    assert_eq!(e.stats().pending_events, 0);
    let mut b = Vec::new();
    for k in 0..70000 {
        b.extend_from_slice(&[1_000_000.0 + k as f64, 0.0, 0.0, 1.0, 0.0, bd]);
    }
    assert_eq!(e.push_events(&b).unwrap(), 1 << 16);
    let s = e.stats();
    assert_eq!(
        (s.pending_events, s.dropped_events),
        (1 << 16, 70000 - (1 << 16))
    );
}

/// Two full-scale outputs sum to a peak near 2: the master limits it to the threshold, reports it,
/// and the statistics measure what is written.
#[test]
fn master_limits_a_loud_sum_and_flushes_infinities() {
    let ir = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "sine", "params": {"freq": {"const": 100}}},
      {"id": 1, "kind": "sine", "params": {"freq": {"const": 100}}}],
      "outputs": [{"name": "a", "node": 0}, {"name": "b", "node": 1}], "stages": [[0, 1]]}"#;
    let mut e = Engine::new(SR, 256);
    load(&mut e, ir);
    let (l, r) = render(&mut e, 44100, &[256]);
    let peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak <= THRESHOLD + 1e-6 && peak > 0.85, "peak {peak}");
    let s = e.stats();
    assert!(s.limiter_frames > 0 && s.limiter_min_gain < 0.5, "{s:?}");
    assert_eq!(s.peak_left, peak);
    // 1e30 · 1e30 overflows f32 to +Inf: flushed to 0 and counted, never written.
    let ir = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "mul", "params": {"a": {"const": 1e30}, "b": {"const": 1e30}}}],
      "outputs": [{"name": "a", "node": 0}], "stages": [[0]]}"#;
    let mut e = Engine::new(SR, 256);
    load(&mut e, ir);
    let (l, r) = render(&mut e, 1000, &[256]);
    assert!(l.iter().chain(&r).all(|v| *v == 0.0));
    assert_eq!(e.stats().nonfinite, 2000);
}

#[test]
fn a_bad_load_keeps_the_previous_program() {
    let mut e = Engine::new(SR, 256);
    load(&mut e, SINE_HALF);
    let err = e
        .load(&mut SINE_HALF.replace("mul", "mull").into_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("node 1 (mull)"), "{err}");
    let (l, _) = render(&mut e, 1000, &[256]);
    assert!(l.iter().any(|v| *v != 0.0));
}

/// The kit is synthesized on a thread of its own while the owner loads and renders; the first
/// call that needs the bank waits for it, so a kit sound plays however the calls are ordered.
#[test]
fn the_kit_is_there_whatever_comes_first() {
    let mut e = Engine::new(SR, 256);
    load(&mut e, SAMPLER);
    let (l, _) = render(&mut e, 1024, &[256]);
    assert!(l.iter().all(|v| *v == 0.0), "no events yet: silence");
    let bd = e.sample_id("bd", 0).expect("bd is in the kit");
    e.push_events(&[1024.0, 0.0, 0.0, 1.0, 0.0, bd as f64])
        .unwrap();
    let (l, _) = render(&mut e, 4096, &[256]);
    assert!(l.iter().any(|v| v.abs() > 0.01), "the kit's bd sounds");
    // A fresh engine whose first call queues an event for the kit's first sample (id 0, as the
    // kit is the first thing in every bank) plays it too.
    let mut e = Engine::new(SR, 256);
    load(&mut e, SAMPLER);
    e.push_events(&[0.0, 0.0, 0.0, 1.0, 0.0, 0.0]).unwrap();
    let (l, _) = render(&mut e, 4096, &[256]);
    assert!(l.iter().any(|v| v.abs() > 0.01), "sample 0 sounds");
    // Calls that do not wait for the kit (sample folders that do not exist, a trigger with no
    // sample) before the first sample trigger: it plays all the same.
    let mut e = Engine::new(SR, 256);
    load(&mut e, SAMPLER);
    let summary = e.load_samples(&[std::path::PathBuf::from("/nonexistent/phonon-samples")]);
    assert_eq!((summary.loaded, summary.names), (0, 0));
    e.push_events(&[0.0, 0.0, 0.0, 0.0]).unwrap();
    let (l, _) = render(&mut e, 1024, &[256]);
    assert!(
        l.iter().all(|v| *v == 0.0),
        "a trigger with no sample plays nothing"
    );
    e.push_events(&[1024.0, 0.0, 0.0, 1.0, 0.0, 0.0]).unwrap();
    let (l, _) = render(&mut e, 4096, &[256]);
    assert!(
        l.iter().any(|v| v.abs() > 0.01),
        "sample 0 sounds after them"
    );
}

#[test]
fn sample_names_ids_and_added_samples() {
    let mut e = Engine::new(48000, 256);
    let names = e.sample_names();
    for n in ["bd", "sn", "hh", "oh", "cp", "lt", "mt", "ht", "rim", "cb"] {
        assert!(names.contains(&n.to_string()), "{n}");
    }
    let bd0 = e.sample_id("bd", 0).unwrap();
    let bd1 = e.sample_id("bd", 1).unwrap();
    assert_ne!(bd0, bd1);
    assert_eq!(e.sample_id("bd", 2), Some(bd0));
    assert_eq!(e.sample_id("bd", -1), Some(bd1));
    assert_eq!(e.sample_id("nope", 0), None);
    let id = e.add_sample("dc", Sample::mono(vec![0.25; 100]));
    assert_eq!(e.sample_id("dc", 5), Some(id));
    // The kit is synthesized at the engine's rate: bd is about 300 ms at 48 kHz too.
    load(&mut e, SAMPLER);
    e.push_events(&[0.0, 0.0, 0.0, 1.0, 0.0, bd0 as f64])
        .unwrap();
    let (l, _) = render(&mut e, 48000, &[256]);
    let last = l.iter().rposition(|v| *v != 0.0).unwrap();
    assert!(
        (last as f64 / 48000.0 - 0.3).abs() < 0.01,
        "bd ends at {last}"
    );
    // Pan and gain: a DC sample panned hard right at gain 2 (balance law) after the attack.
    let mut e = Engine::new(48000, 256);
    let dc = e.add_sample("dc", Sample::mono(vec![0.25; 1000]));
    load(&mut e, SAMPLER);
    e.push_events(&[0.0, 0.0, 0.0, 3.0, 0.0, dc as f64, 1.0, 2.0, 2.0, 1.0])
        .unwrap();
    let (l, r) = render(&mut e, 1000, &[256]);
    assert_eq!((l[500], r[500]), (0.0, 0.5));
}

#[test]
fn stats_and_report_serialize_in_camel_case() {
    // every_kind.json has 11 nodes in 6 stages; fusion folds its two `mul` by a constant into
    // their producers (nodes 6 and 10), which empties the last two stages: 9 nodes, 4 stages.
    let mut e = Engine::new(SR, 256);
    let report = e
        .load(&mut include_str!("fixtures/every_kind.json").as_bytes().to_vec())
        .unwrap();
    assert_eq!(
        (
            report.nodes,
            report.stages,
            report.lanes,
            report.outputs,
            report.buses
        ),
        (9, 4, 3, 2, 1)
    );
    assert!(report.to_json().contains("\"outputs\":2"));
    render(&mut e, 2048, &[512]);
    let json = e.stats().to_json();
    for key in [
        "\"frames\":2048",
        "\"blocks\":8",
        "peakLeft",
        "rmsRight",
        "blockUsP50",
        "blockUsP99",
        "blockUsMax",
        "lateEvents",
        "droppedEvents",
        "voicesPeak",
        "voiceSteals",
        "limiterFrames",
        "limiterMinGain",
        "nonfinite",
    ] {
        assert!(json.contains(key), "{key} missing in {json}");
    }
}

/// Render to a WAV file and read it back: what is written is what render produced.
#[test]
fn render_to_wav_round_trip() {
    let mut e = Engine::new(SR, 256);
    load(&mut e, SINE_HALF);
    let path = std::env::temp_dir().join(format!("phonon-engine-test-{}.wav", std::process::id()));
    let mut w = WavWriter::create(&path, SR, 2).unwrap();
    let (l, r) = render(&mut e, 1000, &[1000]);
    w.write(&l, &r).unwrap();
    w.finish().unwrap();
    let mut rd = hound::WavReader::open(&path).unwrap();
    assert_eq!(rd.spec().channels, 2);
    let s: Vec<f32> = rd.samples::<f32>().map(|x| x.unwrap()).collect();
    assert_eq!(s.len(), 2000);
    assert!((0..1000).all(|i| s[2 * i] == l[i] && s[2 * i + 1] == r[i]));
    std::fs::remove_file(&path).unwrap();
}

/// A gate lane holds an event's value for its length, falling to 0 on the length's last frame
/// (so back-to-back gates show a rising edge), then stays 0 until the next gate.
#[test]
fn gate_lanes_hold_for_the_length_with_an_edge_between_notes() {
    let ir = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "mul", "params": {"a": {"const": 1}, "b": {"lane": 0, "init": 0}}}],
      "outputs": [{"name": "out", "node": 0}],
      "lanes": [{"id": 0, "kind": "gate", "node": 0, "param": "b", "pattern": "1 1"}],
      "stages": [[0]]}"#;
    let mut e = Engine::new(SR, 64);
    load(&mut e, ir);
    // [frame, kind 2 (gate), lane, 2 fields, value, length]
    e.push_events(&[
        100.0, 2.0, 0.0, 2.0, 0.0, 0.5, 1.0, 200.0, 300.0, 2.0, 0.0, 2.0, 0.0, 0.25, 1.0, 100.0,
    ])
    .unwrap();
    let (l, _) = render(&mut e, 600, &[64, 7, 333]);
    let want = |i: usize| -> f32 {
        match i {
            100..=298 => 0.5,
            300..=398 => 0.25,
            _ => 0.0,
        }
    };
    for (i, v) in l.iter().enumerate() {
        assert_eq!(*v, want(i), "frame {i}");
    }
}

/// A note held on a gate lane when the program is replaced ends on time: its fall to 0 is
/// carried to the new program's lane, through a number-only reload (the plan is patched) and
/// through a structural one (another output added; the lane's held value moves). Without it
/// the gate would stick at the note's value until the lane's next event.
#[test]
fn a_held_gate_falls_on_time_across_a_reload() {
    let gate = |extra: &str| {
        format!(
            r#"{{"version": 1, "nodes": [
          {{"id": 0, "key": "g", "kind": "mul", "params": {{"a": {{"const": 1}}, "b": {{"lane": 0, "init": 0}}}}}}{extra}],
          "outputs": [{{"name": "out", "node": 0}}],
          "lanes": [{{"id": 0, "kind": "gate", "node": 0, "param": "b", "pattern": "1"}}]}}"#
        )
    };
    for second in [
        gate(""),
        gate(r#", {"id": 1, "key": "s", "kind": "sine", "params": {"freq": {"const": 0}}}"#),
    ] {
        let mut e = Engine::new(SR, 64);
        load(&mut e, &gate(""));
        // One note: value 0.5 from frame 100 for 200 frames.
        e.push_events(&[100.0, 2.0, 0.0, 2.0, 0.0, 0.5, 1.0, 200.0])
            .unwrap();
        let (mut l, _) = render(&mut e, 192, &[64]);
        load(&mut e, &second);
        l.extend(render(&mut e, 408, &[64]).0);
        for (i, v) in l.iter().enumerate() {
            let want = if (100..=298).contains(&i) { 0.5 } else { 0.0 };
            assert_eq!(*v, want, "frame {i}");
        }
    }
}

/// `# adsr` on a sample: with a constant 0.5 sample (below the master limiter's threshold) the
/// output is half the envelope. Attack 10 frames, decay 20 frames to sustain 0.5 (at 8 kHz,
/// 0.00125 s and 0.0025 s): frame k (from 0) of the attack is (k+1)/10, of the decay
/// 1 − 0.5·(j+1)/20, then 0.5 — each times 0.5.
#[test]
fn a_sample_envelope_decays_to_its_sustain() {
    let mut e = Engine::new(8000, 64);
    let one = e.add_sample("half", Sample::mono(vec![0.5; 4000]));
    load(&mut e, SAMPLER);
    // fields: sample, attack 6 = 0.00125 s (10 frames), decay 7 = 0.0025 s (20 frames), sustain 8 = 0.5
    e.push_events(&[
        0.0, 0.0, 0.0, 4.0, 0.0, one as f64, 6.0, 0.00125, 7.0, 0.0025, 8.0, 0.5,
    ])
    .unwrap();
    let (l, _) = render(&mut e, 100, &[64, 7]);
    for (k, v) in l.iter().enumerate().take(10) {
        assert!(
            (v - 0.5 * (k + 1) as f32 / 10.0).abs() < 1e-6,
            "attack {k}: {v}"
        );
    }
    for j in 0..20 {
        let want = 0.5 * (1.0 - 0.5 * (j + 1) as f32 / 20.0);
        assert!((l[10 + j] - want).abs() < 1e-6, "decay {j}: {}", l[10 + j]);
    }
    assert!(l[30..].iter().all(|v| (v - 0.25).abs() < 1e-6));
}

/// `unit "c"`: speed counts plays per cycle. A 4000-frame sample at 8 kHz (0.5 s) with speed 1 at
/// 0.25 cps stretches over one cycle (4 s): rate 4000·0.25/8000 = 1/8, so it lasts 32000 frames.
#[test]
fn unit_cycles_stretches_a_sample_over_the_cycle() {
    let mut e = Engine::new(8000, 64);
    let one = e.add_sample("half", Sample::mono(vec![0.5; 4000]));
    load(&mut e, SAMPLER);
    // fields: sample, unit 15 = 1, cps 16 = 0.25
    e.push_events(&[0.0, 0.0, 0.0, 3.0, 0.0, one as f64, 15.0, 1.0, 16.0, 0.25])
        .unwrap();
    let (l, _) = render(&mut e, 40000, &[512]);
    let last = l.iter().rposition(|v| *v != 0.0).unwrap();
    assert!((31990..=32000).contains(&last), "ends at {last}");
}
