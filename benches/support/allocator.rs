//! The allocator of the `callpulse` binary (`src/main.rs`), so that a bench of a command's path
//! measures what the command runs: `#[path = "support/allocator.rs"] mod allocator;`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
