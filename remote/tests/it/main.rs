//! capcache-remote's integration tests: every behaviour against the memory
//! and fs services, and against a local S3 server (s3s-fs) with the `s3`
//! feature.

mod common;

mod faults;
mod maint;
mod modes;
mod read_through;
mod runtimes;
mod writes;
