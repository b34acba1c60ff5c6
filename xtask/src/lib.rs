//! The workspace automation behind `cargo xtask`: lint, generate, bundle and diff the specs.
//! `main.rs` is only the command line; everything here is callable from tests.

pub mod bundle;
pub mod generate;
pub mod lint;
pub mod publish;
pub mod server;
pub mod spec;
