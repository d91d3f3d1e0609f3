//! Live playback through the null sink: the render thread stays a bounded distance ahead of a real-time-paced sink, programs swap while playing, and `--record` keeps exactly what was played.

use std::time::{Duration, Instant};

use phonon_core::live::{Live, LiveOptions, SinkChoice};

fn sine(freq: f64) -> String {
    format!(
        r#"{{"version": 1, "nodes": [
  {{"id": 0, "key": "osc", "kind": "sine", "params": {{"freq": {{"const": {freq}}}}}}},
  {{"id": 1, "key": "out", "kind": "mul", "params": {{"a": {{"node": 0}}, "b": {{"const": 0.5}}}}}}],
  "outputs": [{{"name": "out", "node": 1}}], "stages": [[0], [1]]}}"#
    )
}

fn opts(record: Option<std::path::PathBuf>) -> LiveOptions {
    LiveOptions {
        sink: SinkChoice::Null,
        device: None,
        period_frames: 512,
        sample_rate: Some(48000),
        periods_ahead: 2,
        record,
        profile: false,
        samples: Vec::new(),
        threads: 2,
    }
}

/// The null sink takes audio at the real-time rate: after ~0.4 s it has played about 0.4 s
/// (bounds wide enough for a loaded machine: between half and 1.5 times the wall time, plus a
/// period), and the renderer is never more than the ring (2 periods) plus a block ahead.
#[test]
fn the_null_sink_plays_in_real_time_and_the_renderer_stays_close() {
    let mut live = Live::start(&opts(None)).unwrap();
    assert_eq!(live.info().sink, "null");
    live.load(&mut sine(440.0).into_bytes(), 0, false).unwrap();
    let t0 = Instant::now();
    let mut worst_ahead = 0i64;
    while t0.elapsed() < Duration::from_millis(400) {
        let c = live.counters();
        worst_ahead = worst_ahead.max(c.rendered as i64 - c.played as i64);
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = t0.elapsed().as_secs_f64();
    let c = live.counters();
    let played_s = c.played as f64 / 48000.0;
    assert!(
        played_s > 0.5 * wall && played_s < 1.5 * wall + 512.0 / 48000.0,
        "played {played_s} s in {wall} s"
    );
    assert!(
        worst_ahead <= 2 * 512 + 512,
        "rendered ahead by {worst_ahead} frames"
    );
    let (stats, recorded) = live.stop().unwrap();
    assert!(stats.frames > 0, "{stats:?} {:?}", live.counters());
    assert_eq!(recorded, None);
}

/// What the recorder wrote is what the render thread produced: a 440 Hz sine at 0.5, then after
/// a reload with the same keys a 660 Hz sine whose phase continues (no sample-to-sample jump
/// larger than a 660 Hz sine of amplitude 0.5 can make: 2π·660/48000·0.5 ≈ 0.043).
#[test]
fn a_recording_keeps_what_was_played_across_a_reload() {
    let path = std::env::temp_dir().join(format!("phonon-live-{}.wav", std::process::id()));
    let mut live = Live::start(&opts(Some(path.clone()))).unwrap();
    live.load(&mut sine(440.0).into_bytes(), 0, false).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    live.load(&mut sine(660.0).into_bytes(), 0, false).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let (stats, recorded) = live.stop().unwrap();
    let recorded = recorded.unwrap();
    assert_eq!(recorded, stats.frames, "every rendered frame was recorded");
    assert_eq!((stats.swaps, stats.crossfades), (2, 0));
    let mut reader = hound::WavReader::open(&path).unwrap();
    assert_eq!(reader.spec().channels, 2);
    let samples: Vec<f32> = reader.samples::<f32>().map(|s| s.unwrap()).collect();
    let left: Vec<f32> = samples.iter().step_by(2).copied().collect();
    assert_eq!(left.len() as u64, recorded);
    let mut worst = 0.0f32;
    let first = left.iter().position(|v| *v != 0.0).unwrap_or(0);
    for w in left[first..].windows(2) {
        worst = worst.max((w[1] - w[0]).abs());
    }
    assert!(worst < 0.044, "largest step {worst}");
    let peak = left.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((peak - 0.5).abs() < 0.01, "peak {peak}");
    std::fs::remove_file(&path).ok();
}

/// A swap given a start frame waits for it: the program takes over exactly there.
#[test]
fn a_program_starts_on_its_start_frame() {
    let mut live = Live::start(&opts(None)).unwrap();
    live.load(&mut sine(440.0).into_bytes(), 0, false).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let start = (live.rendered() / 512 + 6) * 512;
    live.load(&mut sine(660.0).into_bytes(), start, false)
        .unwrap();
    let t0 = Instant::now();
    while live.counters().swaps < 2 && t0.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(live.counters().swap_frame, start);
    live.stop().unwrap();
}
