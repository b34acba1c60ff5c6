//! Typed clients for the spendapi specs.
#[allow(clippy::all, clippy::unwrap_used, unused_imports, dead_code, missing_docs)]
pub mod generated;
pub mod runtime;
