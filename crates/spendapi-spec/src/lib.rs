//! Reading spendapi's OpenAPI 3.0 specs, in one place for every tool that reads them: the lint,
//! the client and server generators, the partner bundle, spec-diff's callers and the tests.
//!
//! Layers, each using only those above it:
//!
//! - [`pointer`]: JSON pointers and `$ref` strings;
//! - [`load`]: YAML files into `serde_json::Value` (key order kept);
//! - [`bundle`]: cross-file `$ref`s resolved into one self-contained document;
//! - [`resolve`]: following local `$ref`s inside a bundled document;
//! - [`ops`]: the HTTP methods of a path item and the operations of a document;
//! - [`extensions`]: removing `x-` extensions;
//! - [`naming`]: Rust names for spec names (heck, as typify names things);
//! - [`json_schema`]: the one OpenAPI 3.0 → JSON Schema 2020-12 conversion;
//! - [`vendor`]: which vendor an API belongs to, declared in its `info.x-spendapi-vendor`;
//! - [`model`]: the typed model of an API and its operations that the generators read;
//! - [`workspace`]: where the specs live;
//! - [`yaml`]: the YAML writer of everything published (YAML 1.1 and 1.2 readers agree on it).

pub mod bundle;
pub mod extensions;
pub mod json_schema;
pub mod load;
pub mod model;
pub mod naming;
pub mod ops;
pub mod pointer;
pub mod resolve;
pub mod vendor;
pub mod workspace;
pub mod yaml;

pub use bundle::{Files, bundle, bundle_with, component_of, relative_to};
pub use extensions::strip_extensions;
pub use load::{load, parse};
pub use model::Api;
pub use ops::{METHODS, OperationRef, operations};
pub use pointer::{Ref, escape, join, unescape};
pub use resolve::{component_name, follow, lookup, resolve};
pub use vendor::Vendor;
pub use workspace::{api_name, display, spec_files, workspace_root};
pub use yaml::{to_yaml, to_yaml_checked};
