//! A dense sampler for the parallel and allocation tests: one node, many long overlapping voices, clusters of triggers, steals and cut groups.

use phonon_core::events::code;
use phonon_core::Engine;

/// One `sampler` node with a limit of 96 voices and its trigger lane (id 0).
pub const DENSE_SAMPLER: &str = r#"{"version": 1,
  "nodes": [{"id": 0, "kind": "sampler", "params": {"gain": {"const": 0.05}}, "data": {"voices": 96}}],
  "outputs": [{"name": "out", "node": 0}],
  "lanes": [{"id": 0, "kind": "trigger", "node": 0, "pattern": "bd"}], "stages": [[0]]}"#;

/// Triggers for [`DENSE_SAMPLER`] over `seconds` at 44.1 kHz: 130 long voices (kit samples
/// slowed to 0.07..0.15 times their speed, so each lasts seconds; every fifth held and looped)
/// one every 90 frames, then from frame 14000 every 3000 frames a cluster of 12 triggers 5
/// frames apart (a dozen segments inside one block). Beyond 96 playing voices every trigger
/// steals; every seventh trigger is in cut group 1 and every 11th in group 2, choking the
/// earlier voices of its group. The long segments between clusters are dear enough to split;
/// the clusters' short ones are not.
pub fn dense_sampler_events(e: &mut Engine, seconds: f64) -> Vec<f64> {
    let ids = [("bd", 0), ("sn", 0), ("oh", 1), ("cp", 0), ("lt", 1)]
        .map(|(name, i)| e.sample_id(name, i).unwrap() as f64);
    let mut frames: Vec<u64> = (0..130).map(|k| k * 90).collect();
    let end = (seconds * 44100.0) as u64;
    let mut c = 14_000;
    while c + 60 < end {
        frames.extend((0..12).map(|j| c + j * 5));
        c += 3000;
    }
    let mut b = Vec::new();
    for (k, f) in frames.into_iter().enumerate() {
        let cut = if k % 7 == 3 {
            1.0
        } else if k % 11 == 5 {
            2.0
        } else {
            0.0
        };
        let mut fields = vec![
            (code::SAMPLE, ids[k % ids.len()]),
            (code::GAIN, 0.3 + (k % 5) as f64 * 0.1),
            (code::PAN, (k % 9) as f64 / 8.0),
            (code::SPEED, [0.1, 0.07, -0.12, 0.15][k % 4]),
            (code::CUT, cut),
        ];
        if k % 5 == 0 {
            fields.extend([(code::DUR, 2.0), (code::LOOP, 1.0)]);
        }
        b.extend_from_slice(&[f as f64, 0.0, 0.0, fields.len() as f64]);
        for (c, v) in fields {
            b.extend_from_slice(&[c as f64, v]);
        }
    }
    b
}
