//! The wallboard at `/`: its stream (`/api/v1/stream`, read with `support::sse`), its
//! assets (content types, the Content-Security-Policy, nothing loaded from elsewhere), and the
//! page itself in a real headless Chromium: every queue of the demo rendered, values that
//! change as events are appended to a followed file, an alert banner naming its clause when a
//! queue breaches, the language switch, and screenshots under `<target>/wallboard-test/`.
//!
//! Chromium is driven over the DevTools protocol on a pipe (`support::browser::Browser`): the test
//! opens a page once, waits for what it expects to appear in its DOM (new values and the banner
//! come over the stream, without a reload) and compares it with the JSON API. Under CI
//! (`CI=true`) a missing Chromium fails the tests; elsewhere they are skipped with a note.

// The agents view: tiles by state, names, ticking time in state, both languages.
mod agents;
mod assets;
mod board;
mod breach;
// Reading the page a browser shows: tiles, values, states, the banner.
mod dom;
mod page;
// Colour rules and the new-alert signal.
mod rules;
mod stream;
mod targets;
