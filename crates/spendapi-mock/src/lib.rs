//! Typed mocks of every spendapi API, for unit tests of code that calls `spendapi-client`.
//!
//! [`generated`] holds one module per spec (the same names as the client's modules), written
//! by `cargo xtask generate` with progenitor's `Generator::httpmock` and never edited by hand.
//! Each has `MockServerExt`, which adds one method per operation to
//! [`httpmock::MockServer`], and in `operations` a `When`/`Then` pair per operation: a method
//! per parameter (path, query, header, body) to match, and one per documented response, typed
//! with the client's own types. `into_inner()` reaches the plain `httpmock` value for anything
//! else (a raw body, an extra header).
//!
//! Add it as a dev-dependency next to `spendapi-client`, point the client at the mock server
//! and assert on the requests your code made:
//!
//! ```
//! use spendapi_client::{CoupaAuth, coupa_accounts::types::Account};
//! use spendapi_mock::coupa_accounts::MockServerExt as _;
//!
//! /// The code under test: the codes of the active accounts.
//! async fn active_codes(coupa: &spendapi_client::CoupaClients) -> Vec<String> {
//!     let list = coupa.accounts.list_accounts().active(true).send().await.expect("list");
//!     list.into_inner().0.into_iter().filter_map(|a| a.code).collect()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = spendapi_mock::MockServer::start_async().await;
//! let account: Account =
//!     serde_json::from_value(serde_json::json!({"id": 7, "code": "SF-100"})).unwrap();
//! let mock = server.list_accounts(|when, then| {
//!     when.active(true);
//!     then.ok(&spendapi_client::coupa_accounts::types::AccountList(vec![account]));
//! });
//!
//! let coupa = spendapi_client::coupa(server.base_url(), CoupaAuth::bearer("test")).unwrap();
//! assert_eq!(active_codes(&coupa).await, ["SF-100"]);
//! mock.assert();
//! # }
//! ```

#[allow(
    clippy::all,
    clippy::unwrap_used,
    unused_imports,
    dead_code,
    missing_docs
)]
#[rustfmt::skip]
pub mod generated;

// Every generated module (one per spec, so a new spec is re-exported without an edit here).
pub use generated::*;

/// The `httpmock` the generated helpers are written against.
pub use httpmock;
pub use httpmock::MockServer;
