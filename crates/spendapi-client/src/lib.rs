//! Typed clients for Coupa Core, Coupa Sourcing (CSO) and SAP Concur expense allocations,
//! generated from spendapi's OpenAPI specs, plus the hand-written layer that makes them usable
//! against the real services.
//!
//! # Generated and hand-written code
//!
//! [`generated`] holds one module per spec, written by `cargo xtask generate` and never edited
//! by hand; each has a progenitor `Client` with one builder method per operation. They are
//! re-exported at the crate root ([`coupa_accounts`], [`coupa_delegations`],
//! [`coupa_integration_history_records`], [`coupa_common`], [`cso_events`],
//! [`concur_expense_allocations`]). Everything else attaches to them from outside:
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`coupa`], [`cso`], [`concur`] and [`Config`] (with [`Config::connect`] for any client or group): ready clients |
//! | [`runtime`] | what the generated `ClientHooks` impls call (headers, auth, correlation ids, filters, retries), [`Connect`] and [`ClientExt`] |
//! | [`vendor`] | [`Vendor`] and the marker types the generated wiring names |
//! | [`headers`] | the header names the modules share |
//! | [`auth`] | Coupa client credentials, the CSO API key, Concur bearer tokens and [`auth::TokenProvider`] |
//! | [`errors`] | [`VendorError`]: every vendor's error body, `From` every generated error |
//! | [`pagination`] | `Stream`s over Coupa and CSO indexes |
//! | [`filters`] | Coupa attribute filters (`attr[op]=value`) and `fields` |
//! | [`retry`] | [`RetryPolicy`]: bounded exponential backoff with jitter, `Retry-After` |
//!
//! # Example
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use spendapi_client::{CoupaAuth, Fields, Filters, VendorError, auth::scopes};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let coupa = spendapi_client::coupa(
//!     "https://acme.coupahost.com",
//!     CoupaAuth::client_credentials("client-id", "client-secret", [scopes::ACCOUNTING_READ]),
//! )?;
//!
//! // Every active account of segment 1 "SF", every page (`stream()` walks `offset` with the
//! // spec's page size; the builder's other arguments stay on every page).
//! let accounts: Vec<_> = coupa
//!     .accounts
//!     .list_accounts()
//!     .active(true)
//!     .segment_1("SF")
//!     .stream()
//!     .try_collect()
//!     .await?;
//! println!("{} accounts", accounts.len());
//!
//! // Attribute filters and `fields` for one request (any index builder), without a new client.
//! let recent = coupa
//!     .accounts
//!     .list_accounts()
//!     .send_filtered(
//!         Filters::new()
//!             .starts_with("code", "SF-")
//!             .fields(Fields::of(["id", "code"])),
//!     )
//!     .await?;
//! println!("{} accounts starting with SF-", recent.into_inner().0.len());
//!
//! // One call: the account with id 42.
//! let account = coupa.accounts.get_account().id(42u64).send().await.map_err(VendorError::from)?;
//! println!("{:?}", account.code);
//! # Ok(())
//! # }
//! ```
//!
//! # Tracing
//!
//! Every operation is a `spendapi.operation` span (operationId, method, path template, vendor,
//! attempt, status and the Concur correlation id), with events for each retry, `Retry-After`
//! honoured, token request and renewal; credentials never appear in them. Install any
//! `tracing` subscriber to see them. See [`runtime`] for the fields.
//!
//! # TLS
//!
//! Features `rustls` (default) and `native-tls` choose the TLS backend of the clients this
//! crate builds (`default-features = false, features = ["native-tls"]` for the platform's
//! library; on Linux that needs OpenSSL's headers and `pkg-config` at build time). A client
//! given its own `reqwest::Client` ([`Config::http_client`]) uses that client's backend.
//!
//! Errors: every generated `send()` returns `progenitor_client::Error<E>`; convert it with
//! `VendorError::from` (or `?` in a function returning `VendorError`) to get
//! [`VendorError::status`], [`VendorError::messages`] and the raw body whatever the vendor.

#[allow(
    clippy::all,
    clippy::unwrap_used,
    unused_imports,
    dead_code,
    missing_docs
)]
#[rustfmt::skip]
pub mod generated;

pub mod auth;
pub mod config;
pub mod errors;
pub mod filters;
pub mod headers;
pub mod pagination;
pub mod retry;
pub mod runtime;
pub mod vendor;

// Every generated module (one per spec, so a new spec is re-exported without an edit here) and
// the vendor groups (`CoupaCoreClients`, ...).
pub use generated::clients::*;
pub use generated::*;

pub use auth::{AccessToken, AuthError, ConcurAuth, CoupaAuth, TokenProvider};
pub use config::{Config, ConfigError, CoupaClients, concur, coupa, cso};
pub use errors::{CorrelationIdExt, ErrorBody, VendorError, VendorErrorKind};
pub use filters::{Attr, Fields, Filters, FiltersExt, Op};
pub use headers::http_date;
pub use pagination::{CsoPage, PageRequest, coupa_index, cso_index};
pub use progenitor_client::{ByteStream, Error, ResponseValue};
pub use retry::RetryPolicy;
pub use runtime::{ClientExt, Connect, RequestOptions, Runtime};
pub use vendor::{Vendor, VendorKind};
