//! A global allocator that counts the bytes live, for tests that hold memory to a budget.
//! A test binary installs it with
//! `#[global_allocator] static HEAP: support::heap::Counting = support::heap::Counting;`
//! and reads [`live`] before and after.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

/// The bytes allocated and not yet freed, by every thread of the test binary.
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// The bytes allocated and not yet freed, by every thread of the test binary.
pub fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

pub struct Counting;

// SAFETY: forwards to the system allocator, counting sizes on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
