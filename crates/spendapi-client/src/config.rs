//! Ready-to-use clients: [`coupa`], [`cso`], [`concur`] and the [`Config`] builder behind them.

use std::time::Duration;

use crate::auth::{Auth, AuthError, ConcurAuth, CoupaAuth};
use crate::generated::{
    concur_expense_allocations, coupa_accounts, coupa_delegations,
    coupa_integration_history_records, cso_events,
};
use crate::retry::RetryPolicy;
use crate::runtime::Runtime;

/// The header carrying the CSO API key.
pub const CSO_API_KEY_HEADER: &str = "x-cso-api-key";

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is not an absolute http(s) URL.
    #[error("invalid base URL `{0}`: expected an absolute http or https URL")]
    BaseUrl(String),
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client")]
    Http(#[source] reqwest::Error),
    /// A credential cannot be sent in a header.
    #[error("invalid credential")]
    Credential(#[source] AuthError),
}

/// The three Coupa Core clients, sharing one connection pool and one token cache.
#[derive(Debug, Clone)]
pub struct CoupaClients {
    /// Accounts (account allocations).
    pub accounts: coupa_accounts::Client,
    /// Delegations.
    pub delegations: coupa_delegations::Client,
    /// Integration history records.
    pub integration_history_records: coupa_integration_history_records::Client,
}

/// Client settings shared by the three vendors.
///
/// ```no_run
/// use std::time::Duration;
/// use spendapi_client::{Config, CoupaAuth, RetryPolicy, auth::scopes};
///
/// # fn main() -> Result<(), spendapi_client::ConfigError> {
/// let coupa = Config::new("https://acme.coupahost.com")
///     .timeout(Duration::from_secs(30))
///     .retry_policy(RetryPolicy::default().max_attempts(5))
///     .coupa(CoupaAuth::client_credentials("id", "secret", [scopes::ACCOUNTING_READ]))?;
/// # let _ = coupa;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    base_url: String,
    http: Option<reqwest::Client>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    correlation_id: Option<String>,
}

impl Config {
    /// Settings for the API at `base_url`: the scheme and host, for example
    /// `https://acme.coupahost.com` (a trailing `/` or `/api` is dropped, as the generated
    /// paths start with `/api`; Concur's paths start with `/expensereports`).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            http: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("spendapi-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            correlation_id: None,
        }
    }

    /// Uses this `reqwest::Client` (its own timeouts and user agent apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Timeout of one attempt, from sending to the end of the body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout of establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `spendapi-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A fixed `concur-correlationid` for every Concur request (default: a new UUID v4 per
    /// request).
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    fn base(&self) -> Result<String, ConfigError> {
        let trimmed = self.base_url.trim().trim_end_matches('/');
        let trimmed = trimmed.strip_suffix("/api").unwrap_or(trimmed);
        match reqwest::Url::parse(trimmed) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
                Ok(trimmed.to_owned())
            }
            _ => Err(ConfigError::BaseUrl(self.base_url.clone())),
        }
    }

    fn http(&self) -> Result<reqwest::Client, ConfigError> {
        match &self.http {
            Some(client) => Ok(client.clone()),
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent.clone())
                .build()
                .map_err(ConfigError::Http),
        }
    }

    fn runtime(&self, auth: Auth) -> Runtime {
        Runtime::new(auth, self.retry.clone(), self.correlation_id.clone())
    }

    /// The Coupa Core clients.
    pub fn coupa(self, auth: CoupaAuth) -> Result<CoupaClients, ConfigError> {
        let base = self.base()?;
        let http = self.http()?;
        let auth = auth.into_auth(&base).map_err(ConfigError::Credential)?;
        let runtime = self.runtime(auth);
        Ok(CoupaClients {
            accounts: coupa_accounts::Client::new_with_client(&base, http.clone(), runtime.clone()),
            delegations: coupa_delegations::Client::new_with_client(
                &base,
                http.clone(),
                runtime.clone(),
            ),
            integration_history_records: coupa_integration_history_records::Client::new_with_client(
                &base, http, runtime,
            ),
        })
    }

    /// The Coupa Sourcing events client, authenticated with `X-CSO-API-KEY`.
    pub fn cso(self, api_key: impl AsRef<str>) -> Result<cso_events::Client, ConfigError> {
        let base = self.base()?;
        let http = self.http()?;
        let auth =
            Auth::api_key(CSO_API_KEY_HEADER, api_key.as_ref()).map_err(ConfigError::Credential)?;
        Ok(cso_events::Client::new_with_client(
            &base,
            http,
            self.runtime(auth),
        ))
    }

    /// The SAP Concur expense-allocations client.
    pub fn concur(
        self,
        auth: ConcurAuth,
    ) -> Result<concur_expense_allocations::Client, ConfigError> {
        let base = self.base()?;
        let http = self.http()?;
        let auth = auth.into_auth(&base).map_err(ConfigError::Credential)?;
        Ok(concur_expense_allocations::Client::new_with_client(
            &base,
            http,
            self.runtime(auth),
        ))
    }
}

/// The Coupa Core clients for the instance at `base_url`, with default settings.
///
/// ```no_run
/// use spendapi_client::{CoupaAuth, auth::scopes};
///
/// # fn main() -> Result<(), spendapi_client::ConfigError> {
/// let coupa = spendapi_client::coupa(
///     "https://acme.coupahost.com",
///     CoupaAuth::client_credentials("client-id", "secret", [scopes::ACCOUNTING_READ]),
/// )?;
/// let accounts = coupa.accounts; // a `coupa_accounts::Client`
/// # let _ = accounts;
/// # Ok(())
/// # }
/// ```
pub fn coupa(base_url: impl Into<String>, auth: CoupaAuth) -> Result<CoupaClients, ConfigError> {
    Config::new(base_url).coupa(auth)
}

/// The Coupa Sourcing events client for `base_url` (`https://{instance}.cso.coupahost.com`).
pub fn cso(
    base_url: impl Into<String>,
    api_key: impl AsRef<str>,
) -> Result<cso_events::Client, ConfigError> {
    Config::new(base_url).cso(api_key)
}

/// The SAP Concur expense-allocations client for `base_url`
/// (`https://{datacenter}.api.concursolutions.com`).
pub fn concur(
    base_url: impl Into<String>,
    auth: ConcurAuth,
) -> Result<concur_expense_allocations::Client, ConfigError> {
    Config::new(base_url).concur(auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_and_checked() {
        for (given, expected) in [
            ("https://acme.coupahost.com", "https://acme.coupahost.com"),
            ("https://acme.coupahost.com/", "https://acme.coupahost.com"),
            (
                "https://acme.coupahost.com/api",
                "https://acme.coupahost.com",
            ),
            (
                "https://acme.coupahost.com/api/",
                "https://acme.coupahost.com",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ] {
            assert_eq!(Config::new(given).base().expect(given), expected);
        }
        for bad in ["acme.coupahost.com", "ftp://acme", ""] {
            assert!(matches!(
                Config::new(bad).base(),
                Err(ConfigError::BaseUrl(_))
            ));
        }
    }
}
