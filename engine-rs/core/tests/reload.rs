//! Hot reload through the engine: state carried over by node key, crossfade only on structural output changes, superseded events, voices that keep sounding.

use phonon_core::Engine;

const SR: u32 = 44100;

fn load(e: &mut Engine, json: &str) {
    e.load(&mut json.as_bytes().to_vec()).unwrap();
}

fn render(e: &mut Engine, n: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    e.render(&mut l, &mut r);
    (l, r)
}

/// `sine f * 0.5` with the given keys for the sine and the mul.
fn sine(freq: f64, sine_key: &str, out_key: &str) -> String {
    format!(
        r#"{{"version": 1, "nodes": [
  {{"id": 0, "key": "{sine_key}", "kind": "sine", "params": {{"freq": {{"const": {freq}}}}}}},
  {{"id": 1, "key": "{out_key}", "kind": "mul", "params": {{"a": {{"node": 0}}, "b": {{"const": 0.5}}}}}}],
  "outputs": [{{"name": "out", "node": 1}}], "stages": [[0], [1]]}}"#
    )
}

/// After a reload that only changes the frequency (same keys), the sine continues from the
/// phase it had reached: x[n0 + k] = 0.5·sin(2π(440·n0/sr + 660·k/sr)). The tolerance 1e-5 is
/// f32 rounding of values of magnitude 0.5 plus f64 phase accumulation drift over 1000 steps.
#[test]
fn a_number_change_keeps_the_oscillator_phase() {
    let mut e = Engine::new(SR, 512);
    load(&mut e, &sine(440.0, "osc", "out"));
    let n0 = 1000;
    render(&mut e, n0);
    load(&mut e, &sine(660.0, "osc", "out"));
    let (l, _) = render(&mut e, 1000);
    let sr = SR as f64;
    let phase0 = (440.0 * n0 as f64 / sr).fract();
    for (k, v) in l.iter().enumerate() {
        let want = 0.5 * (std::f64::consts::TAU * (phase0 + 660.0 * k as f64 / sr)).sin();
        assert!((*v as f64 - want).abs() < 1e-5, "frame {k}: {v} vs {want}");
    }
    let s = e.stats();
    assert_eq!((s.swaps, s.crossfades), (2, 0));
    // Only a number changed: the running plan was kept and patched, not rebuilt.
    assert_eq!(s.patches, 1);
}

/// Without matching keys the new sine starts at phase 0: the first frame after the reload is 0.
#[test]
fn a_new_key_starts_fresh() {
    let mut e = Engine::new(SR, 512);
    load(&mut e, &sine(440.0, "osc", "out"));
    render(&mut e, 1000);
    load(&mut e, &sine(440.0, "other", "out"));
    let (l, _) = render(&mut e, 1);
    assert_eq!(l[0], 0.0);
    assert_eq!(e.stats().patches, 0, "a new key is a new plan");
}

/// An output whose key changes is crossfaded: the old program fades out under the new one with
/// an equal-power fade over 15 ms, so the output has no jump larger than what two 440 Hz sines of
/// amplitude 0.5 can move in one sample (2π·440/44100·0.5 ≈ 0.031 each, so < 0.07 together).
#[test]
fn a_structural_output_change_crossfades_without_a_click() {
    let mut e = Engine::new(SR, 512);
    load(&mut e, &sine(440.0, "a", "out-a"));
    let (before, _) = render(&mut e, 1001);
    // A new output node, and a sine whose phase starts at 0 (new key): a hard cut would jump.
    load(&mut e, &sine(440.0, "b", "out-b"));
    let (after, _) = render(&mut e, 2000);
    let mut prev = *before.last().unwrap();
    let mut worst = 0.0f32;
    for v in &after {
        worst = worst.max((v - prev).abs());
        prev = *v;
    }
    assert!(worst < 0.07, "largest step {worst}");
    let s = e.stats();
    assert_eq!((s.swaps, s.crossfades), (2, 1));
    // After the fade (15 ms = 662 frames) only the new sine sounds: it started at phase 0 at the swap.
    for (k, v) in after.iter().enumerate().skip(700) {
        let want = 0.5 * (std::f64::consts::TAU * 440.0 * k as f64 / SR as f64).sin();
        assert!((*v as f64 - want).abs() < 1e-5, "frame {k}");
    }
}

const SAMPLER: &str = r#"{"version": 1, "nodes": [{"id": 0, "key": "drums", "kind": "sampler"}],
  "outputs": [{"name": "out", "node": 0}],
  "lanes": [{"id": 0, "kind": "trigger", "node": 0, "pattern": "bd"}],
  "stages": [[0]]}"#;

/// The sampler of [`SAMPLER`] (same key) with a voice limit: data `voices`.
fn limited_sampler(voices: usize) -> String {
    SAMPLER.replace(
        r#""kind": "sampler"}"#,
        &format!(r#""kind": "sampler", "data": {{"voices": {voices}}}}}"#),
    )
}

/// Editing the voice limit keeps the node's key, so its voices carry over: 12 overlapping
/// kicks (0.3 s long) at a limit of 8 sound 8 and steal 4; a reload to a limit of 2 keeps the 2
/// newest and fades the other 6 as steals; a reload to 64 keeps those 2 and has room for 20
/// more kicks without a steal. No reload crossfades (the outputs' keys do not change).
#[test]
fn a_voice_limit_edit_carries_the_voices_that_fit() {
    let mut e = Engine::new(SR, 512);
    load(&mut e, &limited_sampler(8));
    let bd = e.sample_id("bd", 0).unwrap() as f64;
    let kicks = |from: usize, n: usize| -> Vec<f64> {
        (0..n)
            .flat_map(|k| [(from + k * 16) as f64, 0.0, 0.0, 1.0, 0.0, bd])
            .collect()
    };
    e.push_events(&kicks(0, 12)).unwrap();
    render(&mut e, 1024);
    let s = e.stats();
    assert_eq!((s.voices, s.voice_steals), (8, 4), "{s:?}");
    load(&mut e, &limited_sampler(2));
    render(&mut e, 1024);
    let s = e.stats();
    assert_eq!((s.voices, s.voice_steals), (2, 10), "{s:?}");
    load(&mut e, &limited_sampler(64));
    e.push_events(&kicks(2048 + 100, 20)).unwrap();
    let (l, _) = render(&mut e, 1024);
    let s = e.stats();
    assert_eq!((s.voices, s.voice_steals), (22, 10), "{s:?}");
    assert_eq!(s.crossfades, 0, "{s:?}");
    assert!(l.iter().any(|v| v.abs() > 0.01));
}

/// A kick started before a reload keeps sounding after it, exactly as without the reload.
#[test]
fn voices_keep_sounding_across_a_reload() {
    let run = |reload: bool| {
        let mut e = Engine::new(SR, 512);
        load(&mut e, SAMPLER);
        let bd = e.sample_id("bd", 0).unwrap() as f64;
        e.push_events(&[0.0, 0.0, 0.0, 1.0, 0.0, bd]).unwrap();
        let (mut l, _) = render(&mut e, 2048);
        if reload {
            load(&mut e, SAMPLER);
        }
        l.extend(render(&mut e, 4096).0);
        l
    };
    let with = run(true);
    let without = run(false);
    assert!(
        with[2048..].iter().any(|v| v.abs() > 0.01),
        "the kick is still sounding"
    );
    assert_eq!(with, without);
}

/// Events pushed after a reload for frames the old program already rendered are discarded (the
/// old program played that time), not played late; later ones play at their exact frame.
#[test]
fn events_before_the_swap_are_superseded() {
    let mut e = Engine::new(SR, 512);
    load(&mut e, SAMPLER);
    render(&mut e, 1024);
    load(&mut e, SAMPLER);
    let bd = e.sample_id("bd", 0).unwrap() as f64;
    e.push_events(&[
        1000.0, 0.0, 0.0, 1.0, 0.0, bd, 1100.0, 0.0, 0.0, 1.0, 0.0, bd,
    ])
    .unwrap();
    let (l, _) = render(&mut e, 512);
    let s = e.stats();
    assert_eq!(s.superseded_events, 1, "the event at 1000 < 1024");
    assert_eq!(s.late_events, 0);
    assert_eq!(l.iter().position(|v| *v != 0.0), Some(1100 - 1024));
}

/// `s "bd" # delay 0.25 0.5 1.0 * g`, keys fixed so a change of `g` keeps the delay's key.
fn echo(gain: f64, delay_key: &str) -> String {
    format!(
        r#"{{"version": 1, "nodes": [
  {{"id": 0, "key": "drums", "kind": "sampler"}},
  {{"id": 1, "key": "{delay_key}", "kind": "delay", "params": {{"in": {{"node": 0}}, "time": {{"const": 0.25}}, "feedback": {{"const": 0.5}}, "mix": {{"const": 1.0}}}}}},
  {{"id": 2, "key": "out", "kind": "mul", "params": {{"a": {{"node": 1}}, "b": {{"const": {gain}}}}}}}],
  "outputs": [{{"name": "out", "node": 2}}],
  "lanes": [{{"id": 0, "kind": "trigger", "node": 0, "pattern": "bd"}}],
  "stages": [[0], [1], [2]]}}"#
    )
}

/// Energy of `x` around frame `at` (±20 ms).
fn energy_at(x: &[f32], at: usize) -> f64 {
    let w = (0.02 * SR as f64) as usize;
    x[at - w..at + w].iter().map(|v| (*v as f64).powi(2)).sum()
}

/// A kick before the edit echoes at 0.25 s, 0.5 s, 0.75 s (fully wet, feedback 0.5). An edit at
/// 0.3 s that only changes the output gain keeps the delay line: the echoes at 0.5 and 0.75 s are
/// heard, at the new gain. An edit that gives the delay a new key starts an empty line: silence.
#[test]
fn delay_echoes_from_before_an_edit_are_heard_after_it() {
    let run = |delay_key_after: &str| {
        let mut e = Engine::new(SR, 512);
        load(&mut e, &echo(1.0, "delay"));
        let bd = e.sample_id("bd", 0).unwrap() as f64;
        e.push_events(&[0.0, 0.0, 0.0, 1.0, 0.0, bd]).unwrap();
        let edit = (0.3 * SR as f64) as usize;
        let (mut l, _) = render(&mut e, edit);
        load(&mut e, &echo(0.8, delay_key_after));
        l.extend(render(&mut e, SR as usize - edit).0);
        l
    };
    let kept = run("delay");
    let lost = run("another delay");
    let at = |s: f64| (s * SR as f64) as usize;
    let first = energy_at(&kept, at(0.25));
    assert!(first > 1.0, "the first echo sounds: {first}");
    for (k, t) in [(2, 0.5), (3, 0.75)] {
        // Echo k has amplitude 0.5^(k-1) of the first; after the edit the gain is 0.8 instead of
        // 1, so its energy is (0.8 · 0.5^(k-1))² of the first's. Within 10 %: the echoes overlap
        // the decaying kick a little.
        let want = first * (0.8f64 * 0.5f64.powi(k - 1)).powi(2);
        let got = energy_at(&kept, at(t));
        assert!((got / want - 1.0).abs() < 0.1, "echo {k}: {got} vs {want}");
        assert!(energy_at(&lost, at(t)) < 1e-9, "a new delay starts empty");
    }
}

/// A fresh load (`panic`) carries nothing over: a kick sounding before it fades out over the
/// 15 ms crossfade and is silent after it, where a normal reload of the same program keeps it.
#[test]
fn a_fresh_load_silences_what_was_sounding() {
    let run = |fresh: bool| {
        let mut e = Engine::new(SR, 512);
        load(&mut e, SAMPLER);
        let bd = e.sample_id("bd", 0).unwrap() as f64;
        e.push_events(&[0.0, 0.0, 0.0, 1.0, 0.0, bd]).unwrap();
        render(&mut e, 2048);
        e.load_with(&mut SAMPLER.as_bytes().to_vec(), fresh)
            .unwrap();
        let (l, _) = render(&mut e, 4096);
        (l, e.stats())
    };
    let (kept, _) = run(false);
    let (panicked, stats) = run(true);
    // 15 ms at 44.1 kHz is 662 frames: after that nothing of the kick is left.
    assert!(
        kept[700..].iter().any(|v| v.abs() > 0.01),
        "a normal reload keeps the kick"
    );
    assert!(
        panicked[700..].iter().all(|v| *v == 0.0),
        "a fresh load silences it"
    );
    assert!(
        panicked[..600].iter().any(|v| v.abs() > 0.01),
        "it fades, not cuts"
    );
    assert_eq!(stats.crossfades, 1);
}

#[path = "common/every_kind.rs"]
mod every_kind;

/// The every-kind program plus one more output `~z` (id `nb + 1`): `osc 220 · 0` (silent, so
/// the master is the every-kind outputs' sum exactly), `osc` a sine or a saw (other keys).
fn with_extra_output(json: &str, nb: usize, osc: &str) -> String {
    let extra = format!(
        r#", {{"id": {nb}, "key": "z-{osc}", "kind": "{osc}", "params": {{"freq": {{"const": 220}}}}}},
        {{"id": {}, "key": "z-out-{osc}", "kind": "mul", "params": {{"a": {{"node": {nb}}}, "b": {{"const": 0}}}}}}], "outputs": [{{"name": "z", "node": {}}}, "#,
        nb + 1,
        nb + 1
    );
    let stages_at = json.find(r#""stages": [["#).unwrap();
    let stages_end = json[stages_at..].find("]]").unwrap() + stages_at;
    let mut s = json.to_string();
    s.insert_str(stages_end + 1, &format!(", [{}]", nb + 1));
    s = s.replacen(r#""stages": [["#, &format!(r#""stages": [[{nb}, "#), 1);
    s.replacen(r#"], "outputs": ["#, &extra, 1)
}

/// Renders the every-kind program `before` for 120 blocks of 256 frames with its events, once
/// as it is and once loading `after` at block 40 (the events from there on pushed again: the
/// swap drops queued ones), and asserts the two masters are equal sample for sample (`==`, so
/// that a −0 from adding a silent output's +0 compares equal), that the edit was one structural
/// reload with one crossfade (`faded` says why), and that the program sounds.
fn assert_edit_changes_nothing(
    before: &str,
    after: &str,
    lanes: &[u32],
    voices: &[u32],
    faded: &str,
) {
    use every_kind::every_kind_events;
    let block = 256;
    let (edit_at, blocks) = (40, 120);
    let run = |edit: bool| {
        let mut e = Engine::new(SR, block);
        load(&mut e, before);
        let events = every_kind_events(&mut e, lanes, voices, 0, (blocks * block) as u64);
        e.push_events(&events).unwrap();
        let mut out = Vec::new();
        for b in 0..blocks {
            if edit && b == edit_at {
                load(&mut e, after);
                let from = (edit_at * block) as u64;
                e.push_events(&events_from(&events, from)).unwrap();
            }
            let (l, r) = render(&mut e, block);
            out.extend(l.into_iter().zip(r));
        }
        (out, e.stats())
    };
    let (plain, _) = run(false);
    let (edited, stats) = run(true);
    assert_eq!(stats.swaps, 2, "the edit was a structural reload");
    assert_eq!(stats.crossfades, 1, "{faded}");
    assert!(
        plain.iter().any(|(l, _)| l.abs() > 1e-3),
        "the program sounds"
    );
    for (i, (a, b)) in plain.iter().zip(&edited).enumerate() {
        assert!(
            a.0 == b.0 && a.1 == b.1,
            "frame {i} (edit at {}): {a:?} vs {b:?}",
            edit_at * block
        );
    }
}

/// Every kernel kind keeps all of its state when another output changes structurally: the
/// every-kind program (each kind three ways, voices and sampler playing, lanes stepping) runs
/// beside an output `~z` whose oscillator changes kind at block 40 (a new key: `~z` fades out
/// and in, silent either way). Every other output's state moves into the new program, so the
/// master is the same, sample for sample, as without the edit. Bound: 0 (`==`, so that a −0
/// from adding the silent output's +0 compares equal).
#[test]
fn every_kind_keeps_its_state_when_another_output_changes() {
    use every_kind::every_kind_graph;
    let (kinds, lanes, voices) = every_kind_graph();
    let nb = 4 + 3 * phonon_core::kinds::all().count();
    let before = with_extra_output(&kinds, nb, "sine");
    let after = with_extra_output(&kinds, nb, "saw");
    assert_edit_changes_nothing(&before, &after, &lanes, &voices, "~z changed: it faded");
}

/// The every-kind program plus an output `~z` that reads every one of its outputs: their sum
/// (a chain of `add`s from id `nb` on, which fusion makes one sum) times 0, so `~z` is silent.
fn with_reader_of_all(json: &str, nb: usize, outs: &[usize]) -> String {
    let mut nodes = Vec::new();
    let mut stages = Vec::new();
    let mut acc = outs[0];
    for (k, &o) in outs[1..].iter().enumerate() {
        let id = nb + k;
        nodes.push(format!(
            r#"{{"id": {id}, "key": "z-add-{k}", "kind": "add", "params": {{"a": {{"node": {acc}}}, "b": {{"node": {o}}}}}}}"#
        ));
        stages.push(format!("[{id}]"));
        acc = id;
    }
    let z = nb + outs.len() - 1;
    nodes.push(format!(
        r#"{{"id": {z}, "key": "z-out", "kind": "mul", "params": {{"a": {{"node": {acc}}}, "b": {{"const": 0}}}}}}"#
    ));
    stages.push(format!("[{z}]"));
    let mut s = json.replacen(
        r#"], "outputs": ["#,
        &format!(
            r#", {}], "outputs": [{{"name": "z", "node": {z}}}, "#,
            nodes.join(", ")
        ),
        1,
    );
    let stages_at = s.find(r#""stages": [["#).unwrap();
    let stages_end = s[stages_at..].find("]]").unwrap() + stages_at;
    s.insert_str(stages_end + 1, &format!(", {}", stages.join(", ")));
    s
}

/// Every kernel kind keeps all of its state when an output that reads it goes away: beside the
/// every-kind program (each kind three ways, voices and sampler playing, lanes stepping) an
/// output `~z` reads every one of its outputs (silently, times 0), and the edit at block 40
/// removes `~z`. `~z` fades out of the old program while every kind's node moves to the new
/// one, and during the fade the old program reads those nodes from the new one (they are
/// "held": `Executor::take_state`). So the master is the same, sample for sample, as without
/// the edit. Bound: 0 (`==`, so that a −0 from adding the silent output's +0 compares equal).
#[test]
fn every_kind_keeps_its_state_when_an_output_reading_it_fades_out() {
    use every_kind::every_kind_graph;
    let (kinds, lanes, voices) = every_kind_graph();
    let nb = 4 + 3 * phonon_core::kinds::all().count();
    let outs: Vec<usize> = (4..nb).collect();
    let before = with_reader_of_all(&kinds, nb, &outs);
    assert_edit_changes_nothing(&before, &kinds, &lanes, &voices, "~z went: it faded");
}

/// An output that goes away keeps hearing the nodes it shares with the new program for the
/// whole crossfade. Before: `out` is `~s` (a sine at 0.2) and `o2` is `~s * 1` (another node, so
/// another output); the edit removes `o2`. The sine's kernel moves to the new program, which
/// renders it; the old program, fading `o2` out, reads the sine from the new one (it is held).
/// So each frame of the fade is `s + s·cos(π/2 · i/F)` (the renderer's equal-power fade-out
/// gain, F = CROSSFADE_SECONDS frames; nothing fades in), with `s` half the unedited master
/// (`s + s`, exact in binary). A fade-out that restarted the sine instead would sound another
/// phase. Bound: 0, the same operations in the same order.
#[test]
fn an_output_fading_out_hears_the_nodes_it_shares_go_on() {
    let program = |with_o2: bool| {
        format!(
            r#"{{"version": 1, "nodes": [
  {{"id": 0, "key": "osc", "kind": "sine", "params": {{"freq": {{"const": 330}}}}}},
  {{"id": 1, "key": "s", "kind": "mul", "params": {{"a": {{"node": 0}}, "b": {{"const": 0.2}}}}}}{}],
  "outputs": [{{"name": "out", "node": 1}}{}], "stages": [[0], [1]{}]}}"#,
            if with_o2 {
                r#", {"id": 2, "key": "o2", "kind": "mul", "params": {"a": {"node": 1}, "b": {"const": 1}}}"#
            } else {
                ""
            },
            if with_o2 {
                r#", {"name": "o2", "node": 2}"#
            } else {
                ""
            },
            if with_o2 { ", [2]" } else { "" },
        )
    };
    let block = 256;
    let (edit_at, blocks) = (20, 40);
    let run = |edit: bool| {
        let mut e = Engine::new(SR, block);
        load(&mut e, &program(true));
        let mut out = Vec::new();
        for b in 0..blocks {
            if edit && b == edit_at {
                load(&mut e, &program(false));
            }
            out.extend(render(&mut e, block).0);
        }
        (out, e.stats())
    };
    let (plain, _) = run(false);
    let (edited, stats) = run(true);
    assert_eq!(stats.crossfades, 1, "o2 went: it faded");
    let fade = (phonon_core::renderer::CROSSFADE_SECONDS * SR as f32).round() as usize;
    let at = edit_at * block;
    assert!(fade > 100 && at + fade < plain.len());
    for i in 0..plain.len() {
        let s = plain[i] / 2.0;
        let want = if i < at {
            plain[i]
        } else if i < at + fade {
            let t = (i - at) as f32 / fade as f32 * std::f32::consts::FRAC_PI_2;
            s + (0.0 * t.sin() + s * t.cos())
        } else {
            s
        };
        assert!(
            edited[i] == want,
            "frame {i} (edit at {at}, fade {fade}): {} vs {want}",
            edited[i]
        );
    }
    assert!(plain.iter().any(|v| v.abs() > 0.3), "the program sounds");
}

/// The records of an event batch at frames ≥ `from` (records are `frame, kind, lane, n`, then n
/// (code, value) pairs: see `phonon_core::events`).
fn events_from(batch: &[f64], from: u64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < batch.len() {
        let len = 4 + 2 * batch[i + 3] as usize;
        if batch[i] as u64 >= from {
            out.extend_from_slice(&batch[i..i + len]);
        }
        i += len;
    }
    out
}
