//! Proves the parallel render path allocates nothing on any thread: the render loop on a pool worker, as `live` runs it, with stages split across 2 and 8 workers.

use phonon_core::workers::Workers;
use phonon_core::Engine;

mod common;
use common::counted_everywhere;
#[path = "common/dense_sampler.rs"]
mod dense_sampler;
#[path = "common/every_kind.rs"]
mod every_kind;
#[path = "common/graph.rs"]
mod graph;
use dense_sampler::{dense_sampler_events, DENSE_SAMPLER};
use every_kind::{every_kind_events, every_kind_graph};
use graph::sine_bank;

#[test]
fn the_parallel_render_path_allocates_nothing_on_any_thread() {
    // The counter sees other threads: one allocation and one free on a spawned thread.
    let spawned = counted_everywhere(|| {
        std::thread::scope(|s| {
            s.spawn(|| drop(std::hint::black_box(vec![1u8; 10])));
        })
    });
    assert!(spawned >= 2, "{spawned}");
    let (kinds, lanes, voices) = every_kind_graph();
    // Every kind; 512 sines in one sum (32 parts of 16: a wide stage and a split sum); and one
    // sampler whose voices split across workers (its stage has one node), with triggers,
    // steals and cuts throughout the counted blocks.
    let bank = sine_bank(512);
    let sampler = DENSE_SAMPLER.to_string();
    for (json, threads) in [
        (&kinds, 2),
        (&kinds, 8),
        (&bank, 2),
        (&bank, 8),
        (&sampler, 2),
        (&sampler, 8),
    ] {
        let (mut loader, mut renderer) = Engine::new(44100, 256).into_parts();
        loader.threads = threads;
        // Every stage of two or more items splits once sampled, however fast this machine
        // renders it: the test is about what the parallel path does, not when it pays.
        loader.min_parallel_ns = 0.0;
        let (swap, _) = loader.build(&mut json.as_bytes().to_vec()).unwrap();
        let workers = Workers::new(threads, None).unwrap();
        let mut e = Engine::new(44100, 256);
        // The helper engine that resolves sample ids synthesizes its kit on a thread of its own;
        // wait for it here, so that thread is not allocating while the render path is counted
        // (the counter sees every thread of the process).
        let _ = e.bank();
        let events = if json == &kinds {
            every_kind_events(&mut e, &lanes, &voices, 0, 3 * 44100)
        } else if json == &sampler {
            dense_sampler_events(&mut e, 3.0)
        } else {
            Vec::new()
        };
        let bank = renderer.bank().len();
        let (allocs, parallel, splits) = workers.run(|| {
            let mut retired = vec![renderer.swap(swap)];
            loader
                .decode(&events, bank, |e| {
                    renderer.queue_event(e);
                })
                .unwrap();
            let (mut l, mut r) = (vec![0.0f32; 300], vec![0.0f32; 300]);
            // Warm-up: a second, so the scheduler has sampled and split the dear stages.
            for _ in 0..147 {
                renderer.render(&mut l, &mut r);
            }
            let before = renderer.stats().voice_splits;
            let allocs = counted_everywhere(|| {
                for _ in 0..294 {
                    renderer.render(&mut l, &mut r);
                }
                renderer.render(&mut l[..1], &mut r[..1]);
                renderer.render(&mut l[..299], &mut r[..257]);
            });
            retired.push(Default::default());
            let exec = renderer.exec().unwrap();
            let split = exec
                .plan()
                .graph
                .schedule
                .decisions()
                .iter()
                .filter(|d| d.bins > 1)
                .count();
            drop(retired);
            (allocs, split, renderer.stats().voice_splits - before)
        });
        assert_eq!(
            allocs, 0,
            "{threads} threads: the render path allocated or freed"
        );
        if json == &sampler {
            assert!(splits > 0, "{threads} threads: the sampler never split");
        } else {
            assert!(parallel > 0, "{threads} threads: no stage ran in parallel");
        }
        let s = renderer.stats();
        assert!(s.peak_left > 0.0, "{s:?}");
    }
}
