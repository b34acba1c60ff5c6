//! Ready-to-use clients: [`coupa`], [`cso`], [`concur`] and the [`Config`] builder behind them.

use std::time::Duration;

use crate::auth::{AuthError, ConcurAuth, CoupaAuth};
use crate::generated::clients::CoupaCoreClients;
use crate::generated::{concur_expense_allocations, cso_events};
use crate::retry::RetryPolicy;
use crate::runtime::{Connect, Runtime};
pub use crate::vendor::CSO_API_KEY_HEADER;
use crate::vendor::VendorKind;

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

/// The Coupa Core clients (one per Coupa Core spec), sharing one connection pool and one token
/// cache; generated as [`CoupaCoreClients`].
pub type CoupaClients = CoupaCoreClients;

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
            None => tls_backend(reqwest::Client::builder())
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent.clone())
                .build()
                .map_err(ConfigError::Http),
        }
    }

    /// Any generated client, or a vendor's group of them (`CoupaCoreClients`,
    /// `CoupaSourcingClients`, `ConcurClients`), authenticated with that vendor's credentials.
    ///
    /// ```no_run
    /// use spendapi_client::{Config, CoupaAuth, auth::scopes, coupa_accounts};
    ///
    /// # fn main() -> Result<(), spendapi_client::ConfigError> {
    /// let accounts: coupa_accounts::Client = Config::new("https://acme.coupahost.com")
    ///     .connect(CoupaAuth::client_credentials("id", "secret", [scopes::ACCOUNTING_READ]))?;
    /// # let _ = accounts;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect<C: Connect>(
        self,
        credentials: <C::Vendor as VendorKind>::Credentials,
    ) -> Result<C, ConfigError> {
        let base = self.base()?;
        let http = self.http()?;
        let auth =
            <C::Vendor as VendorKind>::auth(credentials, &base).map_err(ConfigError::Credential)?;
        let runtime = Runtime::new(auth.0, self.retry, self.correlation_id);
        Ok(C::from_parts(&base, http, runtime))
    }

    /// The Coupa Core clients.
    pub fn coupa(self, auth: CoupaAuth) -> Result<CoupaClients, ConfigError> {
        self.connect(auth)
    }

    /// The Coupa Sourcing events client, authenticated with `X-CSO-API-KEY`.
    pub fn cso(self, api_key: impl AsRef<str>) -> Result<cso_events::Client, ConfigError> {
        self.connect(api_key.as_ref().to_owned())
    }

    /// The SAP Concur expense-allocations client.
    pub fn concur(
        self,
        auth: ConcurAuth,
    ) -> Result<concur_expense_allocations::Client, ConfigError> {
        self.connect(auth)
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

/// The TLS backend the crate's features choose: rustls unless only `native-tls` is enabled.
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
fn tls_backend(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.tls_backend_native()
}

/// The TLS backend the crate's features choose: rustls unless only `native-tls` is enabled.
#[cfg(not(all(feature = "native-tls", not(feature = "rustls"))))]
fn tls_backend(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
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
