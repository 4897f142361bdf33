//! The reader end to end on hand-written rows: columns by name and position, absent values,
//! each kind of time source, midnight, outcomes, skip rules, every rejection, headers.

mod bank;
mod fixture;
mod mappings;
