//! Shared by the allocation tests: a counting global allocator; `counted`, the allocations and frees a closure makes on this thread, and `counted_everywhere`, on every thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Counting on every thread (workers included).
static EVERYWHERE: AtomicBool = AtomicBool::new(false);
static EVERYWHERE_COUNT: AtomicUsize = AtomicUsize::new(0);

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    if EVERYWHERE.load(Ordering::Relaxed) {
        EVERYWHERE_COUNT.fetch_add(1, Ordering::Relaxed);
    }
    if ON.try_with(|o| o.get()).unwrap_or(false) {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// allocator contract holds exactly as for `System`; the counting touches only thread-local cells.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Allocations and frees made by `f` on this thread.
#[allow(dead_code)]
pub fn counted(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    ON.with(|o| o.set(true));
    f();
    ON.with(|o| o.set(false));
    COUNT.with(|c| c.get())
}

/// Allocations and frees made on any thread of the process while `f` runs: for the parallel
/// render path, whose work runs on pool workers. Only meaningful in a test binary whose other
/// tests do not run at the same time (one test per file).
#[allow(dead_code)]
pub fn counted_everywhere(f: impl FnOnce()) -> usize {
    EVERYWHERE_COUNT.store(0, Ordering::SeqCst);
    EVERYWHERE.store(true, Ordering::SeqCst);
    f();
    EVERYWHERE.store(false, Ordering::SeqCst);
    EVERYWHERE_COUNT.load(Ordering::SeqCst)
}
