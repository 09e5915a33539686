//! Yui's domain: the pure, synchronous heart of the product.
//!
//! Everything here is data and rules: app definitions, the expression language, validation,
//! workflow, tenants and roles, and Japanese data conventions. Nothing in this crate performs
//! I/O, reads the clock or knows about HTTP, SQL or async runtimes; a test keeps it that way
//! (`tests/no_io_dependencies.rs`).
#![forbid(unsafe_code)]

pub mod definition;
pub mod diff;
pub mod explain;
pub mod expr;
pub mod japan;
pub mod merge;
pub mod tenant;
pub mod validate;
pub mod workflow;
