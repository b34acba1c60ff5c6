//! axum server stubs for the spendapi specs.
//!
//! `cargo xtask generate` writes one module per spec into `src/generated/` (never edited by
//! hand). Each module has:
//!
//! - a trait named after the API (`CoupaAccounts`, `CsoEvents`, ...) with one method per
//!   operation, taking the verified [`Caller`] and typed inputs (`<Op>Path`, `<Op>Query`,
//!   `<Op>Headers` structs and the body type from [`spendapi_types`]) and returning
//!   `<Op>Response`, an enum with one variant per documented status code. The trait has no
//!   default bodies: an implementation missing an operation does not compile. [`Verifier`] is a
//!   supertrait, so every implementation also decides how credentials are verified;
//! - [`Caller::request`] ([`RequestInfo`]) carries what the typed inputs cannot: the raw query
//!   pairs (Coupa attribute filters beyond those the `<Op>Query` structs model) and the
//!   negotiated response media type;
//! - `router(implementation) -> axum::Router` serving every operation at its documented method
//!   and path, and `router_with(implementation, Options)`;
//! - `ApiDoc`, a `utoipa::OpenApi` derived from the annotations on the generated handlers.
//!
//! Before a trait method runs, the router negotiates the response format (406), checks the
//! operation's security requirement through the [`Verifier`] (401, 403), validates path, query
//! and header parameters and the body against the spec's schemas (400, 413, 415), and reads
//! Coupa XML bodies as well as JSON. Every rejection is written in the API's own error format
//! ([`vendor`]). The hand-written runtime lives in this crate's other modules.
//!
//! # Layering
//!
//! The modules' imports form a DAG; each module uses only those listed before it:
//!
//! - leaves: [`detail`] (one thing wrong with a request), [`negotiate`], [`auth`], [`mirror`];
//! - [`schema`] (validators, shapes) uses `detail`;
//! - [`xml`] (the XML codec) uses `schema`;
//! - [`vendor`] (the error formats) uses `detail`, `negotiate` and `xml`;
//! - [`runtime`] uses `auth`, `negotiate`, `schema`, `vendor` and `xml`;
//! - `generated` uses `runtime`, `mirror`, and `auth` and `vendor` through the crate root's
//!   re-exports; no hand-written module imports it (the root only re-exports it).
//!
//! # Example
//!
//! ```
//! use spendapi_types::coupa_delegations::DelegationList;
//! use spendapi_server::coupa_delegations::{self, CoupaDelegations, ListDelegationsQuery, ListDelegationsResponse};
//! use spendapi_server::{AuthError, Caller, Scheme, Verifier};
//!
//! struct Delegations;
//!
//! impl Verifier for Delegations {
//!     async fn verify(&self, _scheme: &Scheme, token: &str) -> Result<Caller, AuthError> {
//!         match token {
//!             "secret" => Ok(Caller::new("integration", ["core.user.read"])),
//!             _ => Err(AuthError::new("unknown token")),
//!         }
//!     }
//! }
//!
//! impl CoupaDelegations for Delegations {
//!     async fn list_delegations(&self, _caller: Caller, query: ListDelegationsQuery) -> ListDelegationsResponse {
//!         let _page_size = query.limit.unwrap_or(50);
//!         ListDelegationsResponse::Ok(DelegationList(Vec::new()))
//!     }
//! }
//!
//! let app: axum::Router = coupa_delegations::router(Delegations);
//! # let _ = app;
//! ```

pub mod auth;
pub mod detail;
#[allow(clippy::all, missing_docs)]
#[rustfmt::skip]
pub mod generated;
pub mod mirror;
pub mod negotiate;
pub mod runtime;
pub mod schema;
pub mod vendor;
pub mod xml;

pub use auth::{AuthError, Caller, RequestInfo, Requirement, Scheme, SchemeKind, Verifier};
pub use generated::*;
pub use runtime::Options;
pub use vendor::Vendor;
