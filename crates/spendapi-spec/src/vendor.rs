//! Which vendor an API belongs to. Every spec declares it in `info.x-spendapi-vendor`; this is
//! the only place that knows what each vendor implies for the tools (error formats and auth are
//! the runtimes' business, keyed by the same [`Vendor`]). Nothing reads a vendor from a file
//! name.

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
