//! The engine bench's allocator: counts live heap bytes between [`begin`] and [`end`], so the
//! bytes a call really costs can be read off the allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// Counts live heap bytes while `COUNTING` is on, so the bytes a call really costs can be read
/// off the allocator rather than estimated from `size_of` (hash-table slack, boxed events and
/// the reorder buffer included). This needs `unsafe impl GlobalAlloc`: the library keeps
/// `#![forbid(unsafe_code)]`; this bench binary is a separate crate, and the wrapper only
/// forwards to `System`. Off, it costs one relaxed load per allocation, so it does not skew
/// the timed groups.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are atomics and never affect what is returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout (every allocation goes through us).
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller upholds `GlobalAlloc::realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts counting; returns the live bytes counted so far, for [`end`].
pub fn begin() -> isize {
    COUNTING.store(true, Ordering::SeqCst);
    LIVE_BYTES.load(Ordering::SeqCst)
}

/// Stops counting; returns the bytes that came to life since `before` (from [`begin`]).
pub fn end(before: isize) -> isize {
    let after = LIVE_BYTES.load(Ordering::SeqCst);
    COUNTING.store(false, Ordering::SeqCst);
    after - before
}
