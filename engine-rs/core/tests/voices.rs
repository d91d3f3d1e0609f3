//! Synth voices end to end: templates started by triggers at exact frames, pitch, chords, release, slot reuse, stealing, template lanes and inputs, block-size invariance.

use phonon_core::Engine;

const SR: u32 = 44100;

/// A graph whose node 0 is a `voices` node playing template 0 (`template` is its JSON), driven
/// by trigger lane 0; `extra_nodes`/`extra_lanes` are appended JSON, `data` extra data fields.
fn graph(template: &str, data: &str, extra_nodes: &str, extra_lanes: &str, stages: &str) -> String {
    format!(
        r#"{{"version": 1, "nodes": [
          {{"id": 0, "kind": "voices", "params": {{"gain": {{"const": 1}}{extra_nodes}}}, "data": {{"template": 0{data}}}}}{}],
          "outputs": [{{"name": "out", "node": 0}}],
          "templates": [{template}],
          "lanes": [{{"id": 0, "kind": "trigger", "node": 0, "pattern": "~v"}}{extra_lanes}],
          "stages": {stages}}}"#,
        ""
    )
}

/// A bare saw template (base 220 Hz), as Phonon's `~v: saw 220`.
const SAW: &str = r#"{"id": 0, "name": "v", "output": 0, "stages": [[0]],
  "pitch": [{"node": 0, "param": "freq", "base": 220}],
  "nodes": [{"id": 0, "kind": "saw", "params": {"freq": {"const": 220}}}]}"#;

fn engine(json: &str, block: usize) -> Engine {
    let mut e = Engine::new(SR, block);
    e.load(&mut json.as_bytes().to_vec()).unwrap();
    e
}

/// A trigger record on lane `lane` at `frame` with (code, value) fields.
fn trig(frame: u64, lane: u32, fields: &[(u32, f64)]) -> Vec<f64> {
    let mut v = vec![frame as f64, 0.0, lane as f64, fields.len() as f64];
    for (c, x) in fields {
        v.push(*c as f64);
        v.push(*x);
    }
    v
}

const FREQ: u32 = 4;
const GAIN: u32 = 1;
const ATTACK: u32 = 6;
const RELEASE: u32 = 9;
const DUR: u32 = 10;

/// Renders `n` frames in calls of `block` frames.
fn render(e: &mut Engine, n: usize, block: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    let mut at = 0;
    while at < n {
        let m = block.min(n - at);
        e.render(&mut l[at..at + m], &mut r[at..at + m]);
        at += m;
    }
    (l, r)
}

/// Hann-windowed DFT magnitude of `x` at `f` Hz.
fn dft_mag(x: &[f32], f: f64) -> f64 {
    let n = x.len();
    let w = 2.0 * std::f64::consts::PI * f / SR as f64;
    let (mut re, mut im) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let h = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
        re += *v as f64 * h * (w * i as f64).cos();
        im += *v as f64 * h * (w * i as f64).sin();
    }
    (re * re + im * im).sqrt()
}

/// The frequency of the largest DFT magnitude in `lo..=hi`, on a 0.5 Hz grid refined to 0.05 Hz.
fn peak(x: &[f32], lo: f64, hi: f64) -> f64 {
    let best = |from: f64, to: f64, st: f64| {
        let (mut bf, mut bm, mut f) = (from, -1.0, from);
        while f <= to {
            let m = dft_mag(x, f);
            if m > bm {
                (bm, bf) = (m, f);
            }
            f += st;
        }
        bf
    };
    let c = best(lo, hi, 0.5);
    best(c - 0.5, c + 0.5, 0.05)
}

/// FREQ 440 on a template whose pitch base is 220 plays 440 Hz.
#[test]
fn a_voice_plays_the_trigger_frequency() {
    let mut e = engine(&graph(SAW, "", "", "", "[[0]]"), 512);
    e.push_events(&trig(0, 0, &[(FREQ, 440.0), (GAIN, 0.3), (DUR, 1.0)]))
        .unwrap();
    let (l, _) = render(&mut e, 30000, 512);
    let f = peak(&l[4410..4410 + 16384], 300.0, 600.0);
    assert!((f - 440.0).abs() <= 1.0, "peak at {f} Hz");
    // Without FREQ or RATIO the voice keeps its base.
    let mut e = engine(&graph(SAW, "", "", "", "[[0]]"), 512);
    e.push_events(&trig(0, 0, &[(GAIN, 0.3), (DUR, 1.0)]))
        .unwrap();
    let (l, _) = render(&mut e, 30000, 512);
    let f = peak(&l[4410..4410 + 16384], 150.0, 300.0);
    assert!((f - 220.0).abs() <= 1.0, "peak at {f} Hz");
}

/// Three triggers on one frame (a chord) give three voices and three spectral peaks.
#[test]
fn a_chord_gives_three_peaks() {
    let mut e = engine(&graph(SAW, "", "", "", "[[0]]"), 512);
    let mut b = Vec::new();
    for f in [261.63, 329.63, 392.0] {
        b.extend(trig(0, 0, &[(FREQ, f), (GAIN, 0.2), (DUR, 1.0)]));
    }
    e.push_events(&b).unwrap();
    let (l, _) = render(&mut e, 30000, 512);
    assert_eq!(e.stats().voices, 3);
    let x = &l[4410..4410 + 16384];
    let floor = dft_mag(x, 300.0);
    for f in [261.63, 329.63, 392.0] {
        let p = peak(x, f - 12.0, f + 12.0);
        assert!((p - f).abs() <= 1.0, "peak near {f}: {p}");
        assert!(
            dft_mag(x, p) > 20.0 * floor,
            "a real peak at {p}, not leakage"
        );
    }
}

/// A trigger at frame 1000 (inside a 512-frame block) is silent before and sounds from 1000.
#[test]
fn a_mid_block_trigger_starts_on_its_frame() {
    let mut e = engine(&graph(SAW, "", "", "", "[[0]]"), 512);
    e.push_events(&trig(1000, 0, &[(FREQ, 440.0), (GAIN, 0.3)]))
        .unwrap();
    let (l, r) = render(&mut e, 4096, 512);
    let first = (0..l.len()).position(|i| l[i] != 0.0 || r[i] != 0.0);
    let first = first.expect("sound");
    assert!((1000..=1001).contains(&first), "first nonzero at {first}");
}

/// A voice ends after attack + dur + release; its slot is reused by the next trigger.
#[test]
fn a_voice_releases_and_its_slot_is_reused() {
    let mut e = engine(&graph(SAW, r#", "voices": 1"#, "", "", "[[0]]"), 256);
    let fields = [
        (FREQ, 440.0),
        (GAIN, 0.3),
        (ATTACK, 0.01),
        (DUR, 0.1),
        (RELEASE, 0.05),
    ];
    e.push_events(&trig(0, 0, &fields)).unwrap();
    let (l, _) = render(&mut e, 2048, 256);
    assert!(l.iter().any(|x| *x != 0.0));
    assert_eq!(e.stats().voices, 1);
    // Release ends 0.15 s (6615 frames) after the start.
    let (l, r) = render(&mut e, 8192 - 2048, 256);
    assert_eq!(e.stats().voices, 0, "the voice ended");
    let last = (0..l.len()).rev().find(|&i| l[i] != 0.0 || r[i] != 0.0);
    let last = last.map(|i| i + 2048).unwrap_or(0);
    assert!((6600..=6616).contains(&last), "last sound at {last}");
    // The only slot plays the next note, and nothing was stolen.
    e.push_events(&trig(8192 + 100, 0, &fields)).unwrap();
    let (l, _) = render(&mut e, 1024, 256);
    assert!(l[..100].iter().all(|x| *x == 0.0) && l[101..].iter().any(|x| *x != 0.0));
    assert_eq!(e.stats().voices, 1);
    assert_eq!(e.stats().voice_steals, 0);
}

/// More triggers than slots: the oldest voices are stolen (faded), and counted.
#[test]
fn stealing_when_the_pool_is_full() {
    let mut e = engine(&graph(SAW, r#", "voices": 2"#, "", "", "[[0]]"), 256);
    let mut b = Vec::new();
    for (k, f) in [220.0, 330.0, 440.0, 550.0].iter().enumerate() {
        b.extend(trig(
            100 * k as u64,
            0,
            &[(FREQ, *f), (GAIN, 0.2), (DUR, 1.0)],
        ));
    }
    e.push_events(&b).unwrap();
    let (l, _) = render(&mut e, 2048, 256);
    let s = e.stats();
    assert_eq!(s.voice_steals, 2, "{s:?}");
    assert_eq!(
        s.voices, 2,
        "the stolen voices have faded out (5 ms): {s:?}"
    );
    assert!(l.iter().all(|x| x.is_finite()));
}

/// A template with an envelope, a filter whose cutoff is the voices node's `in0` (a global LFO)
/// and a gain lane that applies to every voice: blocks of 64 and 512 frames give the same output.
#[test]
fn voices_do_not_depend_on_the_block_size() {
    let template = r#"{"id": 0, "name": "v", "output": 4, "stages": [[0, 1], [2], [3], [4]],
      "pitch": [{"node": 0, "param": "freq", "base": 110}],
      "nodes": [
        {"id": 0, "kind": "saw", "params": {"freq": {"const": 110}}},
        {"id": 1, "kind": "adsr", "params": {"attack": {"const": 0.005}, "decay": {"const": 0.05}, "sustain": {"const": 0.5}}},
        {"id": 2, "kind": "mul", "params": {"a": {"node": 0}, "b": {"node": 1}}},
        {"id": 3, "kind": "lpf", "params": {"in": {"node": 2}, "cutoff": {"input": 0}}},
        {"id": 4, "kind": "mul", "params": {"a": {"node": 3}, "b": {"lane": 1, "init": 0.5}}}
      ]}"#;
    let json = graph(
        template,
        "",
        r#", "in0": {"node": 2}"#,
        r#", {"id": 1, "kind": "param", "node": 4, "param": "b", "template": 0, "pattern": "0.5 0.2"}"#,
        "[[1], [2], [0]]",
    )
    .replace(
        r#""data": {"template": 0}}"#,
        r#""data": {"template": 0}},
          {"id": 1, "kind": "sine", "params": {"freq": {"const": 2}}},
          {"id": 2, "kind": "range", "params": {"in": {"node": 1}, "min": {"const": 300}, "max": {"const": 3000}}}"#,
    );
    let events = || {
        let mut b = Vec::new();
        for (f, hz) in [
            (100u64, 220.0),
            (1000, 330.0),
            (1000, 440.0),
            (1500, 277.0),
            (9000, 110.0),
        ] {
            b.extend(trig(f, 0, &[(FREQ, hz), (GAIN, 0.2), (DUR, 0.1)]));
        }
        b.extend([3001.0, 1.0, 1.0, 1.0, 0.0, 0.2]);
        b
    };
    let run = |block: usize| {
        let mut e = engine(&json, block);
        e.push_events(&events()).unwrap();
        render(&mut e, 20000, block)
    };
    let (a, b) = (run(64), run(512));
    assert!(a.0.iter().any(|x| *x != 0.0));
    for i in 0..a.0.len() {
        assert!(
            a.0[i].to_bits() == b.0[i].to_bits() && a.1[i].to_bits() == b.1[i].to_bits(),
            "frame {i}: {} vs {}",
            a.0[i],
            b.0[i]
        );
    }
    // The lane step at 3001 reached the voices: the level drops there.
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    assert!(rms(&a.0[3001..4000]) < 0.5 * rms(&a.0[2000..3000]));
}

/// Reloading the same program keeps the sounding voices (state carried over by key).
#[test]
fn a_reload_keeps_sounding_voices() {
    let json = graph(SAW, "", "", "", "[[0]]")
        .replace(r#""kind": "voices""#, r#""key": "v", "kind": "voices""#);
    let mut e = engine(&json, 256);
    e.push_events(&trig(0, 0, &[(FREQ, 440.0), (GAIN, 0.3), (DUR, 1.0)]))
        .unwrap();
    render(&mut e, 4096, 256);
    assert_eq!(e.stats().voices, 1);
    e.load(&mut json.as_bytes().to_vec()).unwrap();
    let (l, _) = render(&mut e, 4096, 256);
    assert_eq!(e.stats().voices, 1, "the voice carried over");
    assert!(l[3000..].iter().any(|x| *x != 0.0));
}
