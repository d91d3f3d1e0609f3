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
//! With one thread there is no pool at all: everything runs on the calling thread, exactly the
//! serial path. Kernels and the executor ask [`width`] how many workers they may split across:
//! the pool's size on one of its workers, 1 anywhere else, so a graph run outside a pool (a test,
//! a voice template) is serial however it was built.

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

/// A persistent pool of render workers (none with one thread).
pub struct Workers {
    pool: Option<rayon::ThreadPool>,
    threads: usize,
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
            return Ok(Workers {
                pool: None,
                threads,
            });
        }
        let mut b = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("phonon-worker-{i}"));
        if let Some(start) = start {
            b = b.start_handler(start);
        }
        let pool = b
            .build()
            .map_err(|e| format!("cannot start {threads} render workers: {e}"))?;
        Ok(Workers {
            pool: Some(pool),
            threads,
        })
    }

    /// The serial path: no pool.
    pub fn serial() -> Workers {
        Workers {
            pool: None,
            threads: 1,
        }
    }

    /// Threads rendering (1 = serial).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on one of the workers and returns its result; the calling thread waits (it is
    /// not the render thread: that is the worker running `f`). Serial: runs `f` here.
    pub fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(p) => p.install(f),
            None => f(),
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
