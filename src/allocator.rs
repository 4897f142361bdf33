//! The allocator of the whole process: mimalloc (its v2 line), and its options.
//!
//! Replay and the service hand every batch of events from a reading thread to the engine's
//! thread, which frees them; under glibc's malloc each such free may take the lock of the arena
//! the reader allocated from, and the two threads woke each other through a futex at every
//! contention: a quarter of a CSV replay's samples were in the kernel (`perf`), and the replay
//! took 2.5x the time it takes now. mimalloc frees from another thread without a shared lock.
//! Handing the emptied batches back to the reader to refill did not help under glibc: the
//! events' own allocations contend as well.
//!
//! The benches that measure a command's path, and `examples/kafka_bench` (whose `throughput`
//! runs the service's input in its own process), include this file as a module of their own
//! (`#[path = "../src/allocator.rs"] mod allocator;`): they measure what the binary runs.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_arena_eager_commit` (the fifth option of `mi_option_e` in
/// `mimalloc.h`, v2 and v3 alike; the Rust crate names no constant for it).
#[cfg(target_os = "linux")]
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Sets mimalloc's options before its first allocation, which comes before `main`: an entry
/// of `.init_array` with a priority runs before the constructors without one (mimalloc's among
/// them) and after the standard library's own (priority 99, its arguments). Arenas are not
/// committed eagerly: 5 MB less resident at start, and the bank's CSV replay within 50 MB
/// (42 MB against 52).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static OPTIONS: extern "C" fn() = {
    extern "C" fn set() {
        // SAFETY: sets one integer of mimalloc's option table; nothing else runs yet.
        unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) }
    }
    set
};

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_options_are_set_before_main() {
        // SAFETY: reads one integer of mimalloc's option table.
        let eager = unsafe { libmimalloc_sys::mi_option_get(super::ARENA_EAGER_COMMIT) };
        assert_eq!(
            eager, 0,
            "arenas committed eagerly: the constructor did not run"
        );
    }
}
