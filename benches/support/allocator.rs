//! The allocator of the `callpulse` binary (`src/main.rs`), so that a bench of a command's path
//! measures what the command runs: `#[path = "support/allocator.rs"] mod allocator;` in the
//! replay, adapters, metrics and alerts benches and in `examples/kafka_bench` (whose
//! `throughput` runs the service's input in its own process).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
