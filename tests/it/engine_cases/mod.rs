//! Hand-computed cases for every KPI and the engine's boundaries: thresholds, empty and
//! all-abandoned intervals, time zones, month ends, DST, overflow, revisions, lateness,
//! eviction, agents, availability, surveys, complaints and forecasts.

// Agent time, occupancy, and heartbeats as down time.
mod agents;
// Calls that never finish, silences and far jumps: the state stays bounded.
mod bounds;
// Call KPIs by hand: threshold, null ratios, overflow, AHT, FCR, percentiles.
mod calls;
// Not tests: the event lines the cases are written in.
mod lines;
// Out of order, duplicates, revisions, too late.
mod order;
// Satisfaction, complaints and forecasts.
mod surveys;
// Months and DST days in the configured time zone.
mod zones;
