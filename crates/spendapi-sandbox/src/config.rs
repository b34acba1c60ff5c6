//! Credentials and settings (`--config FILE`, TOML).
//!
//! ```toml
//! database = "postgres://sandbox:secret@db.internal/sandbox"  # or a SQLite file
//! token_lifetime_secs = 86400
//! admin_token = "sandbox-admin"
//! cso_keys = ["sandbox"]
//!
//! [[clients]]
//! id = "sandbox"
//! secret = "sandbox"
//! scopes = ["core.accounting.read", "core.accounting.write"]
//! ```

use anyhow::{Context, Result};
use serde::Deserialize;

/// Every scope the five specs use.
pub const ALL_SCOPES: &[&str] = &[
    "core.common.read",
    "core.accounting.read",
    "core.accounting.write",
    "core.integration.read",
    "core.integration.write",
    "core.user.read",
    "expense.report.read",
    "expense.report.readwrite",
    "user.read",
];

/// The development credentials (refused on a public address without `--allow-public`).
pub const DEFAULT_CLIENT: &str = "sandbox";
pub const DEFAULT_SECRET: &str = "sandbox";
pub const DEFAULT_CSO_KEY: &str = "sandbox";
pub const DEFAULT_ADMIN_TOKEN: &str = "sandbox-admin";

/// An OAuth 2.0 client (Coupa and Concur token endpoints).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub id: String,
    pub secret: String,
    /// The scopes the client may request; all of [`ALL_SCOPES`] when left out.
    #[serde(default = "all_scopes")]
    pub scopes: Vec<String>,
}

fn all_scopes() -> Vec<String> {
    ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect()
}

/// The sandbox's credentials.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub clients: Vec<Client>,
    /// Accepted `X-CSO-API-KEY` values.
    pub cso_keys: Vec<String>,
    /// The bearer token of `POST /_sandbox/reset`.
    pub admin_token: String,
    /// Lifetime of issued access tokens (Coupa documents 24 h).
    pub token_lifetime_secs: i64,
    /// The database (`--db`'s value) when neither `--db` nor `SPENDAPI_SANDBOX_DB` is given:
    /// keeps a PostgreSQL password out of the command line and the environment.
    pub database: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            clients: vec![Client {
                id: DEFAULT_CLIENT.into(),
                secret: DEFAULT_SECRET.into(),
                scopes: all_scopes(),
            }],
            cso_keys: vec![DEFAULT_CSO_KEY.into()],
            admin_token: DEFAULT_ADMIN_TOKEN.into(),
            token_lifetime_secs: 86_400,
            database: None,
        }
    }
}

impl Config {
    pub fn load(path: &std::path::Path) -> Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Whether any of the publicly known development credentials is accepted.
    pub fn uses_defaults(&self) -> bool {
        self.clients
            .iter()
            .any(|c| c.id == DEFAULT_CLIENT && c.secret == DEFAULT_SECRET)
            || self.cso_keys.iter().any(|k| k == DEFAULT_CSO_KEY)
            || self.admin_token == DEFAULT_ADMIN_TOKEN
    }

    /// What the start-up banner shows: the development credentials in full (they are public
    /// and the point of the banner is that a new user can copy them), and of credentials from
    /// a configuration file only what is not secret (client ids), never a secret, key or
    /// token.
    pub fn banner(&self) -> String {
        let mut lines = Vec::new();
        for client in &self.clients {
            if client.id == DEFAULT_CLIENT && client.secret == DEFAULT_SECRET {
                lines.push(format!(
                    "  OAuth client: id {DEFAULT_CLIENT} secret {DEFAULT_SECRET} \
                     (POST /oauth2/token, /oauth2/v0/token)"
                ));
            } else {
                lines.push(format!(
                    "  OAuth client: id {} (secret from the configuration file)",
                    client.id
                ));
            }
        }
        for key in &self.cso_keys {
            if key == DEFAULT_CSO_KEY {
                lines.push(format!("  CSO API key (X-CSO-API-KEY): {DEFAULT_CSO_KEY}"));
            } else {
                lines.push("  CSO API key (X-CSO-API-KEY): from the configuration file".into());
            }
        }
        if self.admin_token == DEFAULT_ADMIN_TOKEN {
            lines.push(format!(
                "  admin token (POST /_sandbox/reset, Authorization: Bearer): {DEFAULT_ADMIN_TOKEN}"
            ));
        } else {
            lines.push("  admin token (POST /_sandbox/reset): from the configuration file".into());
        }
        lines.join("\n")
    }

    pub fn client(&self, id: &str, secret: &str) -> Option<&Client> {
        self.clients
            .iter()
            .find(|c| c.id == id && c.secret == secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toml_and_fills_defaults() {
        let config: Config = toml::from_str(
            r#"
            token_lifetime_secs = 60
            cso_keys = ["k1"]
            admin_token = "admin"

            [[clients]]
            id = "erp"
            secret = "s3cret"
            scopes = ["core.accounting.read"]

            [[clients]]
            id = "all"
            secret = "x"
            "#,
        )
        .expect("valid TOML");
        assert_eq!(config.token_lifetime_secs, 60);
        assert_eq!(config.clients[0].scopes, ["core.accounting.read"]);
        assert_eq!(config.clients[1].scopes.len(), ALL_SCOPES.len());
        assert!(!config.uses_defaults());
        assert!(config.client("erp", "s3cret").is_some());
        assert!(config.client("erp", "wrong").is_none());
        assert!(Config::default().uses_defaults());
        assert!(toml::from_str::<Config>("unknown = 1").is_err());
    }
}
