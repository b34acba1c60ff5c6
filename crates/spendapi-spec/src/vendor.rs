//! The vendors: the one declaration of which vendors exist and of the facts that differ between
//! them (credentials, token endpoint, error formats, headers, shared components).
//!
//! Every spec names its vendor in `info.x-spendapi-vendor`; nothing reads a vendor from a file
//! name. The runtimes' `Vendor` type (`spendapi_client::Vendor` and `spendapi_server::Vendor`, the
//! same generated file in each) is generated from this table by `cargo xtask generate`, so the facts below
//! reach the client, the stubs and the sandbox from here alone. Behaviour that is code rather
//! than data (rendering an error body, building credentials) is written per vendor in the
//! runtimes, behind exhaustive `match`es on that type: adding a variant here makes the compiler
//! list every place a new vendor needs (see "Adding a vendor" in ARCHITECTURE.md).

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

/// The `info` extension naming the vendor.
pub const EXTENSION: &str = "x-spendapi-vendor";

/// The vendors spendapi knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Vendor {
    /// Coupa Core (`/api/...`, OAuth2 client credentials, XML and JSON).
    CoupaCore,
    /// Coupa Sourcing (CSO: `X-CSO-API-KEY`, JSON, the `result` envelope).
    CoupaSourcing,
    /// SAP Concur (OAuth2 bearer, `ErrorMessage`, `concur-correlationid`).
    Concur,
}

/// Components shared by every spec of a vendor, generated once as their own module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedComponents {
    /// The shared file, relative to the workspace root.
    pub file: &'static str,
    /// The Rust module its types are generated into.
    pub module: &'static str,
}

impl Vendor {
    /// Every vendor, in a fixed order.
    pub const ALL: [Vendor; 3] = [Vendor::CoupaCore, Vendor::CoupaSourcing, Vendor::Concur];

    /// The value of `info.x-spendapi-vendor`.
    pub fn id(self) -> &'static str {
        match self {
            Vendor::CoupaCore => "coupa-core",
            Vendor::CoupaSourcing => "coupa-sourcing",
            Vendor::Concur => "concur",
        }
    }

    /// The Rust name of the variant (`CoupaCore`), as the runtimes spell it.
    pub fn variant(self) -> &'static str {
        match self {
            Vendor::CoupaCore => "CoupaCore",
            Vendor::CoupaSourcing => "CoupaSourcing",
            Vendor::Concur => "Concur",
        }
    }

    /// The vendor of an `x-spendapi-vendor` value.
    pub fn from_id(id: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.id() == id)
    }

    /// The vendor a spec declares. The error says what is missing or wrong.
    pub fn of(doc: &Value) -> Result<Vendor> {
        let value = doc
            .get("info")
            .and_then(|info| info.get(EXTENSION))
            .ok_or_else(|| anyhow!("info.{EXTENSION} is missing: {}", Vendor::expected()))?;
        let id = value
            .as_str()
            .ok_or_else(|| anyhow!("info.{EXTENSION} must be a string: {}", Vendor::expected()))?;
        match Vendor::from_id(id) {
            Some(vendor) => Ok(vendor),
            None => bail!("info.{EXTENSION} '{id}' is unknown: {}", Vendor::expected()),
        }
    }

    fn expected() -> String {
        let ids: Vec<String> = Vendor::ALL
            .iter()
            .map(|v| format!("'{}'", v.id()))
            .collect();
        format!("expected one of {}", ids.join(", "))
    }

    /// One line saying what the vendor is, for the generated type's docs.
    pub fn summary(self) -> &'static str {
        match self {
            Vendor::CoupaCore => {
                "Coupa Core: OAuth2 client credentials, XML or JSON, Coupa's `errors` bodies."
            }
            Vendor::CoupaSourcing => {
                "Coupa Sourcing (CSO): the `X-CSO-API-KEY` header, JSON, the `result` envelope."
            }
            Vendor::Concur => {
                "SAP Concur: OAuth2 bearer tokens, `ErrorMessage`, `concur-correlationid`."
            }
        }
    }

    /// How a client authenticates.
    pub fn credentials(self) -> Credentials {
        match self {
            Vendor::CoupaCore => Credentials::OAuth2 {
                token_path: "/oauth2/token",
            },
            Vendor::CoupaSourcing => Credentials::ApiKeyHeader {
                header: "x-cso-api-key",
            },
            Vendor::Concur => Credentials::OAuth2 {
                token_path: "/oauth2/v0/token",
            },
        }
    }

    /// The token endpoint's path, for a vendor whose clients use OAuth 2.0.
    pub fn token_path(self) -> Option<&'static str> {
        match self.credentials() {
            Credentials::OAuth2 { token_path } => Some(token_path),
            Credentials::ApiKeyHeader { .. } => None,
        }
    }

    /// The media types errors can be rendered in, preferred first.
    pub fn error_formats(self) -> &'static [&'static str] {
        match self {
            Vendor::CoupaCore => &["application/json", "application/xml"],
            Vendor::CoupaSourcing | Vendor::Concur => &["application/json"],
        }
    }

    /// The request header echoed on every response (generated when absent), if any.
    pub fn correlation_header(self) -> Option<&'static str> {
        match self {
            Vendor::Concur => Some("concur-correlationid"),
            Vendor::CoupaCore | Vendor::CoupaSourcing => None,
        }
    }

    /// Whether response bodies leave null values out (CSO) rather than writing `null`.
    pub fn omits_nulls(self) -> bool {
        matches!(self, Vendor::CoupaSourcing)
    }

    /// The short name of the vendor's command group in the generated CLI.
    pub fn command(self) -> &'static str {
        match self {
            Vendor::CoupaCore => "coupa",
            Vendor::CoupaSourcing => "cso",
            Vendor::Concur => "concur",
        }
    }

    /// The components this vendor's specs share, if any.
    pub fn shared_components(self) -> Option<SharedComponents> {
        match self {
            Vendor::CoupaCore => Some(SharedComponents {
                file: "openapi/common/coupa.yaml",
                module: "coupa_common",
            }),
            Vendor::CoupaSourcing | Vendor::Concur => None,
        }
    }
}

/// How a vendor's clients authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// OAuth 2.0 bearer tokens from a token endpoint at `token_path` on the API's host.
    OAuth2 { token_path: &'static str },
    /// A static API key in a request header (lower case).
    ApiKeyHeader { header: &'static str },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_declared_vendor() {
        let doc = serde_json::json!({"info": {"x-spendapi-vendor": "coupa-sourcing"}});
        assert_eq!(Vendor::of(&doc).expect("declared"), Vendor::CoupaSourcing);
        let missing = Vendor::of(&serde_json::json!({"info": {}})).expect_err("missing");
        assert_eq!(
            missing.to_string(),
            "info.x-spendapi-vendor is missing: expected one of 'coupa-core', 'coupa-sourcing', 'concur'"
        );
        let unknown = Vendor::of(&serde_json::json!({"info": {"x-spendapi-vendor": "sap"}}));
        assert!(
            unknown
                .expect_err("unknown")
                .to_string()
                .contains("'sap' is unknown")
        );
        for vendor in Vendor::ALL {
            assert_eq!(Vendor::from_id(vendor.id()), Some(vendor));
        }
    }
}
