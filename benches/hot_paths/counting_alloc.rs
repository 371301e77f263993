//! A global allocator that counts: allocations made (by the calling thread) and bytes live,
//! so a bench can say how many allocations one ping cycle costs and how much heap one
//! connection holds.
//!
//! Allocations are counted per thread: the ping cycles run on a current-thread runtime, and
//! other threads (the test harness's own bookkeeping, say) must not land in the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

pub struct Counting;

thread_local! {
    // `const` and without a destructor: no allocation, usable from inside the allocator.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

fn count_one() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        LIVE_BYTES.fetch_add(size(layout), Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(size(layout), Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        LIVE_BYTES.fetch_add(
            isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout),
            Relaxed,
        );
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations made so far by this thread (reallocations count as one each).
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Bytes allocated and not yet freed.
pub fn live_bytes() -> isize {
    LIVE_BYTES.load(Relaxed)
}
