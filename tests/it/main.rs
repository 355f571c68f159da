//! capcache's integration tests, in one binary: one link per feature set
//! and target instead of one per file. `memory_bound` stays a binary of its
//! own (it holds a GiB at a time and must not share the process).
//!
//! Scenarios written once against `common::Api` run through every API
//! variant (blocking and async, by path and by handle) with `api_tests!`.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod api;
mod bad_input;
mod cacache_compat;
mod concurrency;
mod error_conversions;
mod export;
mod format;
mod interop_cacache;
mod link_to;
mod maintenance;
mod streaming;
mod tokio_compat;
