//! Certification alerts end to end: a real `callpulse run --follow` process judging a small
//! profile at the live clock and delivering to a real Prometheus Alertmanager (API v2) and to
//! a JSON webhook; and `/api/v1/alerts` with its gauges through the router, on a state fed by
//! hand, judged by the shipped YD/T 2823-2015 profile.
//!
//! The process scenarios follow the wall clock: the followed file holds, from the start, a
//! `system.status` line saying a component went down 31 minutes ago; once the idle input lets
//! the live clock follow the wall clock, the outage has lasted more than the 30 minutes of
//! clause 11.2.1 and the alert fires; a `system.status` up line appended (stamped 2 s ahead of
//! the wall clock) resolves it. Nothing waits a fixed time: every step polls with a deadline.
//!
//! Why Alertmanager's resolution is read from its own notifications: see [`alertmanager`].

mod alertmanager;
mod api;
mod center;
mod webhook;
