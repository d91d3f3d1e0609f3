//! The worker pool: a persistent rayon pool that runs a block's independent work in parallel, sized by `--threads`.
//!
//! **How the render thread avoids rayon's locks.** Calling into a rayon pool from a thread that
//! is not one of its workers injects the job into a shared queue and blocks on a mutex latch
//! until it is done. So the render loop itself runs *on* a worker: [`Workers::run`] hands it to
//! the pool once (live: for the whole session; offline: once per rendered chunk), and from there
//! every fork is a [`rayon::join`] from inside the pool, which pushes onto the worker's own
//! lock-free deque (a stack-allocated job: no allocation) and, while the other half runs
//! elsewhere, steals or runs its own half. The render loop never waits on a lock for work to
//! start; waiting for the last half to finish spins and yields, and only after rayon's idle
//! rounds (tens of µs with nothing to steal) does the waiting worker park.
//!
//! **Keeping the other workers awake (offline).** A rayon worker with nothing to do yields a
//! few dozen times and then parks, and waking a parked thread costs tens of µs: more than a
//! whole stage of many programs. So every worker of an offline pool runs a keep-warm loop
//! ([`keep_warm`]) for the pool's life, which takes a render call as soon as it is handed over
//! and steals the render thread's forked halves the moment they are pushed
//! ([`rayon::yield_now`]). It spins while a block renders and for [`GRACE`] after, then parks
//! until the next block starts ([`block_started`]) or the next call comes: blocks rendered back
//! to back never let it park, and between render calls the cores are idle. `live`'s workers
//! ask for real-time priority and keep the pool's own sleep: a spinning real-time thread
//! starves the normal threads on its core and runs into RLIMIT_RTTIME.
//!
//! With one thread there is no pool at all: everything runs on the calling thread, exactly the
//! serial path. Kernels and the executor ask [`width`] how many workers they may split across:
//! the pool's size on one of its workers, 1 anywhere else, so a graph run outside a pool (a test,
//! a voice template) is serial however it was built.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The most threads `--threads` accepts.
pub const MAX_THREADS: usize = 64;

/// The default thread count: the machine's physical cores (hyperthreads share a core's vector
/// units, which our kernels keep busy), at least 1.
pub fn default_threads() -> usize {
    num_cpus::get_physical().clamp(1, MAX_THREADS)
}

/// How many workers the calling thread may split work across: the size of the pool it is a
/// worker of, or 1 outside any pool. Any thread; no allocation.
#[inline]
pub fn width() -> usize {
    if rayon::current_thread_index().is_some() {
        rayon::current_num_threads()
    } else {
        1
    }
}

/// The calling thread's index in its pool (`bin` outside any pool): a stable name for the
/// thread, which picks its home among a fork's work ([`crate::schedule::claim`]) so that the
/// same work runs on the same thread block after block. Render thread and workers.
#[inline]
pub fn thread_index(bin: usize) -> usize {
    rayon::current_thread_index().unwrap_or(bin)
}

/// Runs `f(bin)` for every `bin` in `0..bins`, bin 0 on the calling thread, the others on
/// workers that steal them, and returns when all have finished. On a worker of a pool this is
/// a binary tree of [`rayon::join`]s: no allocation and no lock to start work. Outside a pool
/// (or with one bin) the bins run one after another here. Render thread and workers.
pub fn fork(bins: usize, f: &(dyn Fn(usize) + Sync)) {
    fn split(lo: usize, hi: usize, f: &(dyn Fn(usize) + Sync)) {
        if hi - lo == 1 {
            f(lo);
        } else {
            let mid = lo + (hi - lo).div_ceil(2);
            rayon::join(|| split(lo, mid, f), || split(mid, hi, f));
        }
    }
    if bins == 0 {
        return;
    }
    if bins == 1 || width() == 1 {
        (0..bins).for_each(f);
    } else {
        split(0, bins, f);
    }
}

/// Runs `a` and `b`, on two workers at once when the calling thread is a worker of a pool of
/// two or more (a [`rayon::join`]: `b` waits on this worker's lock-free deque for a free worker
/// to steal it while `a` runs here, and any forks inside `a` are stolen after it), one after the
/// other here otherwise. Returns both results. Render thread and workers; no allocation.
pub fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if width() > 1 {
        rayon::join(a, b)
    } else {
        let x = a();
        (x, b())
    }
}

/// The elements of a `&mut [T]`, reachable from every bin of a [`fork`] at once: each bin takes
/// `&mut` only to elements no other bin touches during the fork (the caller's discipline, stated
/// at each use).
pub struct Shards<'a, T> {
    ptr: *mut T,
    len: usize,
    /// The index of the first element (a stage's buffers are numbered by slot).
    base: usize,
    _life: std::marker::PhantomData<&'a mut [T]>,
}

impl<T> Clone for Shards<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Shards<'_, T> {}

// SAFETY: a `Shards` is a view of `&'a mut [T]` whose elements go to at most one bin at a time
// (each user's contract), so sending it is sending `&mut T`s to distinct threads: sound for
// `T: Send`.
unsafe impl<T: Send> Send for Shards<'_, T> {}
// SAFETY: as for `Send`: concurrent users never reach the same element mutably.
unsafe impl<T: Send> Sync for Shards<'_, T> {}

impl<'a, T> Shards<'a, T> {
    /// `items`, the first numbered `base`.
    pub fn new(items: &'a mut [T], base: usize) -> Shards<'a, T> {
        Shards {
            ptr: items.as_mut_ptr(),
            len: items.len(),
            base,
            _life: std::marker::PhantomData,
        }
    }

    /// The position of element number `i` in the view, at most `len` (`end` allows one past).
    #[inline(always)]
    fn index(&self, i: usize, end: bool) -> usize {
        let k = i.wrapping_sub(self.base);
        assert!(
            k < self.len + usize::from(end),
            "shard {i} outside {}..{}",
            self.base,
            self.base + self.len
        );
        k
    }

    /// Element number `i`, mutably.
    ///
    /// # Safety
    /// No other reference to element `i` may be live while the returned one is.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get_mut(&self, i: usize) -> &'a mut T {
        let k = self.index(i, false);
        // SAFETY: in bounds (asserted); exclusive by the caller's contract.
        unsafe { &mut *self.ptr.add(k) }
    }

    /// Elements numbered `i..i + len` (clipped to the end), mutably.
    ///
    /// # Safety
    /// No other reference to any of those elements may be live while the returned one is.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice_mut(&self, i: usize, len: usize) -> &'a mut [T] {
        let k = self.index(i, true);
        let len = len.min(self.len - k);
        // SAFETY: `k..k + len` is in bounds (asserted, clipped); exclusive by the caller's
        // contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(k), len) }
    }

    /// Element number `i`, shared.
    ///
    /// # Safety
    /// No mutable reference to element `i` may be live while the returned one is.
    #[inline(always)]
    pub unsafe fn get(&self, i: usize) -> &'a T {
        let k = self.index(i, false);
        // SAFETY: in bounds (asserted); only read, by the caller's contract.
        unsafe { &*self.ptr.add(k) }
    }
}

/// How long a keep-warm worker spins after a block ends before it parks: longer than the gap
/// between blocks rendered back to back (offline), far shorter than a block's period (`live`).
pub const GRACE: Duration = Duration::from_micros(100);

/// What the render thread and the keep-warm loops of one pool share, for the pool's life.
struct Team {
    /// The pool is being dropped: the keep-warm loops return.
    stop: AtomicBool,
    /// The render thread is inside a block: the loops spin.
    active: AtomicBool,
    /// Render calls handed to the pool that no worker has taken yet: the loops spin.
    pending: AtomicUsize,
    /// Per worker (by pool index): its thread, once its loop has started, and whether it is
    /// parked.
    workers: Vec<(OnceLock<std::thread::Thread>, AtomicBool)>,
    /// Keep-warm loops that have returned (the pool's drop waits for all).
    left: AtomicUsize,
}

impl Team {
    /// Marks the team active (the render thread starts a block) and unparks every parked loop.
    fn wake(&self) {
        self.active.store(true, Ordering::SeqCst);
        self.unpark();
    }

    /// Whether the loops should spin rather than park: inside a block, or a call not yet taken.
    fn busy(&self) -> bool {
        self.active.load(Ordering::SeqCst) || self.pending.load(Ordering::SeqCst) > 0
    }

    /// Unparks every parked loop (a system call only for those). The flags that make a loop
    /// spin (`active`, `pending`) are set before `parked` is read, and a loop sets `parked`
    /// before it reads them (all SeqCst), so either the loop sees them or this sees it parked;
    /// an unpark that comes before the park makes the park return at once. No allocation, no
    /// lock.
    fn unpark(&self) {
        for (thread, parked) in &self.workers {
            if parked.load(Ordering::SeqCst) {
                if let Some(t) = thread.get() {
                    t.unpark();
                }
            }
        }
    }
}

thread_local! {
    /// The team of the pool whose render call this thread is running, if any.
    static TEAM: Cell<*const Team> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the render thread's team, if it has one. Render thread.
#[inline]
fn with_team(f: impl FnOnce(&Team)) {
    let team = TEAM.with(Cell::get);
    // SAFETY: TEAM points into the `Arc<Team>` of the `Workers` whose `run` set it, which
    // outlives the call (`run` borrows it and clears TEAM before it returns), and only this
    // thread reads it.
    if let Some(team) = unsafe { team.as_ref() } {
        f(team);
    }
}

/// The render thread starts a block: the keep-warm loops spin, and parked ones are unparked.
/// Render thread: no allocation, no lock.
#[inline]
pub fn block_started() {
    with_team(Team::wake);
}

/// The render thread has finished a block: the keep-warm loops park after [`GRACE`]. Render
/// thread.
#[inline]
pub fn block_ended() {
    with_team(|team| team.active.store(false, Ordering::SeqCst));
}

/// A worker's loop for the life of the pool: runs whatever is pushed or injected (a render
/// call, the halves the render thread forks) as soon as it is there, spins while the team is
/// active, and parks after [`GRACE`] when it is not. The worker running a render call runs it
/// from inside this loop. Worker threads; no allocation.
fn keep_warm(team: &Team, index: usize) {
    /// Counts this loop out however it returns.
    struct Leave<'a>(&'a AtomicUsize);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::AcqRel);
        }
    }
    let _leave = Leave(&team.left);
    let Some((thread, parked)) = team.workers.get(index) else {
        return;
    };
    let _ = thread.set(std::thread::current());
    let mut idle_since: Option<Instant> = None;
    while !team.stop.load(Ordering::Acquire) {
        if rayon::yield_now() == Some(rayon::Yield::Executed) {
            idle_since = None;
            continue;
        }
        // Between looks it yields the core: a thread that wants it (the render thread itself,
        // when there are more workers than cores) runs; on an idle core this returns at once.
        if team.busy() {
            idle_since = None;
            std::thread::yield_now();
            continue;
        }
        if idle_since.get_or_insert_with(Instant::now).elapsed() < GRACE {
            std::thread::yield_now();
            continue;
        }
        // See `Team::unpark` for why no wake-up is lost.
        parked.store(true, Ordering::SeqCst);
        if !team.busy() && !team.stop.load(Ordering::SeqCst) {
            std::thread::park();
        }
        parked.store(false, Ordering::SeqCst);
        idle_since = None;
    }
}

/// A persistent pool of render workers (none with one thread), each running [`keep_warm`].
pub struct Workers {
    pool: Option<rayon::ThreadPool>,
    threads: usize,
    team: Option<Arc<Team>>,
}

impl Workers {
    /// `threads` workers (1: no pool, the serial path). `start` runs first on every worker
    /// thread as it starts (live asks for real-time priority there). Control thread.
    pub fn new(
        threads: usize,
        start: Option<Box<dyn Fn(usize) + Send + Sync>>,
    ) -> Result<Workers, String> {
        if threads == 0 || threads > MAX_THREADS {
            return Err(format!("threads must be 1..{MAX_THREADS}, not {threads}"));
        }
        if threads == 1 {
            return Ok(Workers::serial());
        }
        let mut b = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("phonon-worker-{i}"));
        // Live's workers (those with a start handler: it asks for real-time priority) keep the
        // pool's own sleep: a real-time thread that spins starves every normal thread on its
        // core and runs into RLIMIT_RTTIME, which counts CPU time between blocking calls.
        let warm = start.is_none();
        if let Some(start) = start {
            b = b.start_handler(start);
        }
        let pool = b
            .build()
            .map_err(|e| format!("cannot start {threads} render workers: {e}"))?;
        if !warm {
            return Ok(Workers {
                pool: Some(pool),
                threads,
                team: None,
            });
        }
        let team = Arc::new(Team {
            stop: AtomicBool::new(false),
            active: AtomicBool::new(false),
            pending: AtomicUsize::new(0),
            workers: (0..threads)
                .map(|_| (OnceLock::new(), AtomicBool::new(false)))
                .collect(),
            left: AtomicUsize::new(0),
        });
        let theirs = team.clone();
        pool.spawn_broadcast(move |ctx| keep_warm(&theirs, ctx.index()));
        Ok(Workers {
            pool: Some(pool),
            threads,
            team: Some(team),
        })
    }

    /// The serial path: no pool.
    pub fn serial() -> Workers {
        Workers {
            pool: None,
            threads: 1,
            team: None,
        }
    }

    /// Threads rendering (1 = serial).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on one of the workers and returns its result; the calling thread waits (it is
    /// not the render thread: that is the worker running `f`). Serial: runs `f` here. Control
    /// thread (or the offline owner); no allocation.
    pub fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let Some(pool) = &self.pool else {
            return f();
        };
        let Some(team) = &self.team else {
            return pool.install(f);
        };
        // The loops spin until one of them has taken the call (it is injected into the pool,
        // and the loops, not the pool's own sleep, are what picks it up).
        team.pending.fetch_add(1, Ordering::SeqCst);
        team.unpark();
        pool.install(|| {
            team.pending.fetch_sub(1, Ordering::SeqCst);
            /// Clears the render thread's team, and lets the loops park, however `f` ends.
            struct Leave<'a>(&'a Team);
            impl Drop for Leave<'_> {
                fn drop(&mut self) {
                    TEAM.with(|t| t.set(std::ptr::null()));
                    self.0.active.store(false, Ordering::SeqCst);
                }
            }
            TEAM.with(|t| t.set(Arc::as_ptr(team)));
            let _leave = Leave(team);
            f()
        })
    }
}

impl Drop for Workers {
    /// Stops the keep-warm loops and waits until all have returned; the pool's threads then
    /// end with it. Control thread.
    fn drop(&mut self) {
        if let Some(team) = &self.team {
            team.stop.store(true, Ordering::SeqCst);
            team.unpark();
            while team.left.load(Ordering::Acquire) < team.workers.len() {
                std::thread::yield_now();
            }
        }
    }
}

/// Parses a thread count as `--threads` and `PHONON_THREADS` give it: a whole number in
/// 1..=[`MAX_THREADS`]. Control thread.
pub fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        Ok(n) => Err(format!(
            "threads must be between 1 and {MAX_THREADS}, not {n}; try --threads {}",
            default_threads()
        )),
        Err(_) => Err(format!(
            "threads must be a whole number, not '{}'; try --threads {}",
            text.trim(),
            default_threads()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn fork_runs_every_bin_once_on_up_to_the_pool_width() {
        let w = Workers::new(3, None).unwrap();
        let hits: Vec<AtomicU64> = (0..7).map(|_| AtomicU64::new(0)).collect();
        let widths = w.run(|| {
            fork(7, &|b| {
                hits[b].fetch_add(1, Ordering::Relaxed);
            });
            width()
        });
        assert_eq!(widths, 3);
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
        // Outside the pool the width is 1 and bins run here.
        assert_eq!(width(), 1);
        let n = AtomicU64::new(0);
        fork(4, &|_| {
            n.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(n.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn thread_counts_are_checked() {
        assert_eq!(parse_threads("2"), Ok(2));
        assert!(parse_threads("0").unwrap_err().contains("between 1 and"));
        assert!(parse_threads("two").unwrap_err().contains("whole number"));
        assert!(parse_threads("-1").is_err());
        assert!(Workers::new(0, None).is_err());
        assert_eq!(Workers::new(1, None).unwrap().threads(), 1);
    }
}
