//! The vendors, as the client runtime knows them.
//!
//! Which vendor an API belongs to is declared once, in its spec (`info.x-spendapi-vendor`);
//! the generator writes it into each module's wiring as one of the marker types below
//! (`impl Connect for Client { type Vendor = CoupaCore; ... }`). [`Vendor`] itself, with the
//! facts that differ between vendors, is generated from the one vendor declaration
//! (`spendapi_spec::Vendor`); the credentials each vendor's clients take are written here.

use crate::auth::{Auth, AuthError, ConcurAuth, CoupaAuth};

/// Which vendor API a generated client talks to (generated, with what differs between vendors
/// at run time, from the one vendor declaration).
///
/// Generated into this crate by `cargo xtask generate` (`xtask/src/codegen/vendor.rs` says why
/// each runtime has its own copy rather than a re-export).
#[rustfmt::skip]
#[path = "generated/vendor.rs"]
mod declared;
pub use declared::Vendor;

/// The header carrying the CSO API key.
pub const CSO_API_KEY_HEADER: &str = match Vendor::CoupaSourcing.api_key_header() {
    Some(header) => header,
    None => panic!("Coupa Sourcing authenticates with an API key header"),
};

/// How a client authenticates, built from a vendor's credentials (opaque).
#[derive(Debug, Clone)]
pub struct Authentication(pub(crate) Auth);

/// A vendor at the type level: what a client of its APIs is built with.
pub trait VendorKind {
    /// The vendor.
    const VENDOR: Vendor;

    /// The credentials its clients take ([`CoupaAuth`], a CSO API key, [`ConcurAuth`]).
    type Credentials;

    /// The runtime's authentication from the credentials, for the API at `base_url`.
    fn auth(credentials: Self::Credentials, base_url: &str) -> Result<Authentication, AuthError>;
}

/// Coupa Core: OAuth2 client credentials (or a token provider).
#[derive(Debug, Clone, Copy)]
pub struct CoupaCore;

impl VendorKind for CoupaCore {
    const VENDOR: Vendor = Vendor::CoupaCore;
    type Credentials = CoupaAuth;

    fn auth(credentials: CoupaAuth, base_url: &str) -> Result<Authentication, AuthError> {
        credentials.into_auth(base_url).map(Authentication)
    }
}

/// Coupa Sourcing: the `X-CSO-API-KEY` header.
#[derive(Debug, Clone, Copy)]
pub struct CoupaSourcing;

impl VendorKind for CoupaSourcing {
    const VENDOR: Vendor = Vendor::CoupaSourcing;
    type Credentials = String;

    fn auth(api_key: String, _base_url: &str) -> Result<Authentication, AuthError> {
        Auth::api_key(CSO_API_KEY_HEADER, &api_key).map(Authentication)
    }
}

/// SAP Concur: OAuth2 bearer tokens.
#[derive(Debug, Clone, Copy)]
pub struct Concur;

impl VendorKind for Concur {
    const VENDOR: Vendor = Vendor::Concur;
    type Credentials = ConcurAuth;

    fn auth(credentials: ConcurAuth, base_url: &str) -> Result<Authentication, AuthError> {
        credentials.into_auth(base_url).map(Authentication)
    }
}
