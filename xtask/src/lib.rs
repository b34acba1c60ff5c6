//! The workspace automation behind `cargo xtask`: lint, generate, bundle and diff the specs,
//! and measure (`bench`).
//! `main.rs` is only the command line; everything here is callable from tests.
//!
//! Reading specs (loading, bundling, `$ref`s, the operation model) is the `spendapi-spec`
//! crate, re-exported as [`spec`]. Modules depend one way: `codegen::{client, server}` use
//! `codegen::plumbing` and `spec`, `codegen` drives them; `publish` uses `bundle`; `bench` uses
//! `spec` (and runs the built xtask); nothing imports back.

pub use spendapi_spec as spec;

pub mod bench;
pub mod bundle;
pub mod codegen;
pub mod lint;
pub mod publish;
