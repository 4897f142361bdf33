//! The mapping of every queue_log verb, both version layouts, and every rejection, through
//! [`QueueLog::read`]. Times are seconds after 2026-11-02T09:00:00Z (epoch 1793610000).

mod agents;
mod attempts;
mod fixture;
mod lifetime;
mod rejections;
mod verbs;
