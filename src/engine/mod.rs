//! The engine: plain blocking file code under one directory capability.
//! Everything above it (the operations in `ops/`, `stream/`, `maint/` and
//! the public API) reaches the disk through these modules only.
//!
//! - [`store`]: one open cache (its layout, index format, ambient flag)
//! - [`layout`]: the directory tree and the handles kept in it
//! - [`sys`]: platform code, chosen once per target
//! - [`content`]: content files, named by their integrity
//! - [`index`]: bucket files of entry lines
//! - [`file_io`], [`parallel`]: whole-file reads, overlapping I/O and hashing

pub(crate) mod content;
pub(crate) mod file_io;
pub(crate) mod index;
pub(crate) mod layout;
pub(crate) mod parallel;
pub(crate) mod store;
pub(crate) mod sys;
