//! The live agents view (issue 19, point 2): `GET /api/v1/agents` through the router on a
//! state fed hand-computed events (every figure, the order, display names, a queue, a token
//! limited to some queues), `/metrics` with and without per-agent series, the same view
//! through `run --follow` while the watermark lags an hour behind, and through Kafka.

// The JSON of the router, every figure by hand; tokens; /metrics.
mod api;
// `run --follow` and Kafka: the state follows each agent.state at once.
mod inputs;
