//! Every effect kind in one graph through the engine: zero allocations after warm-up (a counting global allocator) and the same bits for any block size.

use phonon_core::kernels::{make, spec, Context, Input, Outputs, PortIn};
use phonon_core::{Engine, SampleBank};

mod common;
use common::counted;

const SR: u32 = 44100;
const FIXTURE: &str = include_str!("fixtures/every_effect.json");

/// The effect kinds (every effect the engine registers) that the fixture must cover.
const EFFECTS: &[&str] = &[
    "reverb",
    "plate",
    "lush",
    "delay",
    "tapedelay",
    "multitap",
    "pingpong",
    "distortion",
    "bitcrush",
    "coarse",
    "decimator",
    "chorus",
    "flanger",
    "phaser",
    "tremolo",
    "vibrato",
    "ring",
    "ring_mod",
    "compressor",
    "sidechain_compressor",
    "expander",
    "transient_shaper",
    "limiter",
    "widener",
    "pan2",
    "pitch_shift",
    "vocoder",
    "granular",
    "convolve",
    "freeze",
    "tap",
];

fn load() -> Engine {
    let mut e = Engine::new(SR, 256);
    e.load(&mut FIXTURE.as_bytes().to_vec()).unwrap();
    e
}

/// Triggers on lane 0 and steps of every param lane (1..=7), inside blocks, for `from..to`.
fn events(e: &mut Engine, from: u64, to: u64, step: u64) -> Vec<f64> {
    let ids: Vec<f64> = ["bd", "sn", "hh", "cp"]
        .iter()
        .map(|n| e.sample_id(n, 0).unwrap() as f64)
        .collect();
    // Two values per lane, alternated: freq, room_size, freeze, time, bits, pos, trigger.
    let values = [
        [220.0, 330.0],
        [0.6, 0.95],
        [0.0, 1.0],
        [0.2, 0.31],
        [6.0, 3.0],
        [-1.0, 1.0],
        [0.0, 1.0],
    ];
    let mut b = Vec::new();
    let (mut f, mut k) = (from, 0usize);
    while f < to {
        b.extend_from_slice(&[f as f64, 0.0, 0.0, 2.0, 0.0, ids[k % 4], 1.0, 0.8]);
        let lane = 1 + k % 7;
        let v = values[lane - 1][(k / 7) % 2];
        b.extend_from_slice(&[f as f64 + 13.0, 1.0, lane as f64, 1.0, 0.0, v]);
        k += 1;
        f += step;
    }
    b
}

#[test]
fn the_fixture_uses_every_effect_kind() {
    for k in EFFECTS {
        assert!(spec(k).is_some(), "{k} is not a kind");
        assert!(
            FIXTURE.contains(&format!("\"kind\": \"{k}\"")),
            "{k} missing from every_effect.json"
        );
    }
}

#[test]
fn every_effect_renders_without_allocating() {
    assert_eq!(counted(|| drop(std::hint::black_box(vec![1u8; 10]))), 2);
    let mut e = load();
    let warm = events(&mut e, 0, 44100, 1103);
    let later = events(&mut e, 46000, 3 * 44100, 977);
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
        for _ in 0..300 {
            e.render(&mut l, &mut r);
        }
        e.render(&mut l[..1], &mut r[..1]);
        e.render(&mut l[..0], &mut r[..0]);
        e.render(&mut l[..299], &mut r[..257]);
    });
    assert_eq!(renders, 0, "render allocated or freed");
    let s = e.stats();
    assert!(s.peak_left > 0.0 && s.peak_right > 0.0, "{s:?}");
    assert_eq!(s.nonfinite, 0, "{s:?}");
}

/// Renders `frames` with render calls of the given sizes (cycled).
fn render(e: &mut Engine, frames: usize, calls: &[usize]) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (vec![0.0f32; frames], vec![0.0f32; frames]);
    let (mut at, mut k) = (0, 0);
    while at < frames {
        let n = calls[k % calls.len()].min(frames - at);
        e.render(&mut l[at..at + n], &mut r[at..at + n]);
        at += n;
        k += 1;
    }
    (l, r)
}

/// The whole effect graph, with lanes stepping inside blocks, gives the same bits for engine
/// blocks of 64, 512, 1 and 100 frames and for any render call sizes.
#[test]
fn every_effect_renders_the_same_for_any_block_size() {
    let run = |block: usize, calls: &[usize]| {
        let mut e = Engine::new(SR, block);
        e.load(&mut FIXTURE.as_bytes().to_vec()).unwrap();
        let ev = events(&mut e, 0, 30000, 1499);
        e.push_events(&ev).unwrap();
        render(&mut e, 30000, calls)
    };
    let a = run(64, &[64]);
    assert!(a.0.iter().chain(&a.1).all(|v| v.is_finite()));
    assert!(a.0.iter().any(|v| *v != 0.0) && a.1.iter().any(|v| *v != 0.0));
    for (block, calls) in [
        (512, &[4096usize][..]),
        (1, &[7][..]),
        (100, &[1, 99, 333, 64][..]),
    ] {
        let b = run(block, calls);
        for (ch, (x, y)) in [(&a.0, &b.0), (&a.1, &b.1)].into_iter().enumerate() {
            if let Some(i) = x
                .iter()
                .zip(y)
                .position(|(p, q)| p.to_bits() != q.to_bits())
            {
                panic!(
                    "block {block}, channel {ch}: frame {i}: {} != {}",
                    x[i], y[i]
                );
            }
        }
    }
}

/// NaN and ±Inf in the audio inputs show up at most in the frames where they arrive (a dry path
/// may pass them; the master flushes them) and never stick in a delay line, tank or filter;
/// NaN, ±Inf and huge values in every parameter are clamped, so outputs stay finite.
#[test]
fn non_finite_inputs_and_extreme_params_never_stick() {
    let n = 6000;
    let bad = [100usize, 300, 301];
    let mut s = 7u32;
    let audio: Vec<f32> = (0..n)
        .map(|i| match i {
            100 => f32::NAN,
            300 => f32::INFINITY,
            301 => f32::NEG_INFINITY,
            _ => {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32) - 0.5
            }
        })
        .collect();
    let extremes = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, -1e30, 0.0];
    let bank = SampleBank::default();
    for k in EFFECTS {
        let sp = spec(k).unwrap();
        for extreme in [false, true] {
            let params: Vec<Vec<f32>> = sp
                .ports
                .iter()
                .map(|p| match p.default {
                    None => audio.clone(),
                    Some(_) if extreme => (0..n).map(|i| extremes[(i / 50) % 6]).collect(),
                    Some(d) => vec![d; n],
                })
                .collect();
            let mut kern = make(k).unwrap();
            kern.prepare(SR as f32, 64);
            let ch = 2;
            let mut buf = vec![0.0f32; ch * 64];
            for start in (0..n).step_by(64) {
                let m = 64.min(n - start);
                let ins: Vec<PortIn> = sp
                    .ports
                    .iter()
                    .zip(&params)
                    .map(|(p, v)| {
                        let b = Input::Block(&v[start..start + m]);
                        if p.stereo {
                            PortIn::stereo(b, b)
                        } else {
                            PortIn::mono(b)
                        }
                    })
                    .collect();
                let ctx = Context {
                    sample_rate: SR as f32,
                    frames: m,
                    bank: &bank,
                    lanes: &[],
                };
                let mut o = Outputs::new(&mut buf, 64, ch, m);
                kern.process(&ctx, &ins, &mut o);
                for c in 0..ch {
                    for (j, v) in o.channel(c).iter().enumerate() {
                        let f = start + j;
                        assert!(
                            v.is_finite() || bad.contains(&f),
                            "{k} (extreme params: {extreme}): frame {f} channel {c} is {v}"
                        );
                    }
                }
            }
        }
    }
}
