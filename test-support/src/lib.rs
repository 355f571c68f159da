//! Helpers shared by capcache's test suites: the core's integration tests
//! (`tests/`), `cli/tests`, `wasm-tests`, `reliability` and `remote/tests`.
//!
//! Not published, and deliberately free of a `capcache` dependency: the
//! core's tests are built under many feature sets, and cargo would unify
//! this crate's view of capcache's features with theirs. So everything here
//! speaks in plain paths, bytes and [`ssri::Integrity`] (which capcache
//! re-exports), and computes the on-disk format on its own, independently
//! of the library under test. Helpers that take a `Cache`, a `Metadata` or
//! depend on a capcache feature stay in each suite's local `common`.
//!
//! - [`format`](mod@format): hashes, sharded paths, bucket lines and entry JSON of the
//!   npm / cacache-rs layout;
//! - [`fs`]: listing a cache tree, planting and damaging files in it;
//! - [`data`]: deterministic test data;
//! - [`env`](mod@env): temp dirs (also under WASI), the clock, wasmtime.

pub mod data;
pub mod env;
pub mod format;
pub mod fs;
