//! System variables and status counters.
