//! The authentication seam: the generated routers read each operation's security requirement
//! from the spec and enforce it before the trait method runs; *who* a credential belongs to is
//! decided by the implementer's [`Verifier`].

use std::collections::BTreeSet;
use std::future::Future;

use axum::http::HeaderMap;

/// How a security scheme carries its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>` (OAuth 2.0, OpenID Connect, HTTP bearer).
    Bearer,
    /// An API key in the named request header (`X-CSO-API-KEY`).
    ApiKeyHeader(&'static str),
    /// An API key in the named query parameter.
    ApiKeyQuery(&'static str),
}

/// A security scheme of a spec (`components/securitySchemes/<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    /// The scheme's name in the spec, e.g. `coupa_oauth2`.
    pub name: &'static str,
    /// The vendor of the spec declaring it (`info.x-spendapi-vendor`): whose credentials these
    /// are.
    pub vendor: crate::vendor::Vendor,
    pub kind: SchemeKind,
}

/// One scheme of a security requirement with the scopes the operation needs from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub scheme: &'static Scheme,
    pub scopes: &'static [&'static str],
}

/// The verified identity of the caller, handed to every trait method.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caller {
    /// Who the credential belongs to (a user, a client id, an integration).
    pub subject: String,
    /// The scopes the credential grants (empty for API keys).
    pub scopes: BTreeSet<String>,
    /// What the runtime knows about the request beyond the typed inputs; filled in by the
    /// router after verification (a [`Verifier`] leaves it empty).
    pub request: RequestInfo,
}

/// The parts of a request a trait method may need beyond its typed inputs: the raw query
/// pairs (Coupa attribute filters such as `segment-1[contains]=SF` or `account-type[name]=Ace`
/// that the generated `<Op>Query` structs do not model) and the negotiated response media type
/// (Coupa answers an empty index 404 in XML but `200 []` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestInfo {
    /// Every query pair, percent-decoded, in request order.
    pub query: Vec<(String, String)>,
    /// The negotiated response media type (`application/json`, `application/xml`, ...).
    pub media: &'static str,
}

impl Caller {
    pub fn new(
        subject: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Caller {
        Caller {
            subject: subject.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            request: RequestInfo::default(),
        }
    }

    /// Whether the caller holds every one of `scopes`.
    pub fn has_scopes(&self, scopes: &[&str]) -> bool {
        scopes.iter().all(|scope| self.scopes.contains(*scope))
    }
}

/// Why a credential was refused (answered 401 in the vendor's error format).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    pub message: String,
}

impl AuthError {
    pub fn new(message: impl Into<String>) -> AuthError {
        AuthError {
            message: message.into(),
        }
    }
}

/// Decides who a credential belongs to and which scopes it grants. Every API trait has it as a
/// supertrait, so an implementation cannot be served without deciding how callers are verified.
pub trait Verifier: Send + Sync + 'static {
    /// Verifies `credential` (the bearer token or API key, without its `Bearer ` prefix)
    /// presented for `scheme`.
    fn verify(
        &self,
        scheme: &Scheme,
        credential: &str,
    ) -> impl Future<Output = Result<Caller, AuthError>> + Send;
}

/// The outcome of checking an operation's security requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// 401: no credential, or none that verifies.
    Unauthenticated(String),
    /// 403: a verified credential without the scopes the operation needs.
    Forbidden(String),
}

/// Checks the alternatives of an operation's `security` (any one alternative suffices; every
/// scheme of an alternative must verify and grant its scopes). An empty list means the
/// operation is public and the caller is anonymous.
pub async fn authorize<V: Verifier + ?Sized>(
    verifier: &V,
    security: &[&[Requirement]],
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Caller, Denied> {
    if security.is_empty() {
        return Ok(Caller::default());
    }
    let mut denied: Option<Denied> = None;
    for alternative in security {
        match satisfy(verifier, alternative, headers, query).await {
            Ok(caller) => return Ok(caller),
            // A scope failure is the more precise answer: the caller did authenticate.
            Err(Denied::Forbidden(message)) => denied = Some(Denied::Forbidden(message)),
            Err(unauthenticated) => {
                if !matches!(denied, Some(Denied::Forbidden(_))) {
                    denied = Some(unauthenticated);
                }
            }
        }
    }
    Err(denied.unwrap_or_else(|| Denied::Unauthenticated("missing credentials".into())))
}

async fn satisfy<V: Verifier + ?Sized>(
    verifier: &V,
    alternative: &[Requirement],
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Caller, Denied> {
    let mut merged: Option<Caller> = None;
    for requirement in alternative {
        let scheme = requirement.scheme;
        let credential = credential(scheme, headers, query).map_err(Denied::Unauthenticated)?;
        let caller = verifier
            .verify(scheme, &credential)
            .await
            .map_err(|err| Denied::Unauthenticated(err.message))?;
        if !caller.has_scopes(requirement.scopes) {
            let missing: Vec<&str> = requirement
                .scopes
                .iter()
                .copied()
                .filter(|s| !caller.scopes.contains(*s))
                .collect();
            return Err(Denied::Forbidden(format!(
                "missing scope(s): {}",
                missing.join(", ")
            )));
        }
        merged = Some(match merged {
            None => caller,
            Some(mut first) => {
                first.scopes.extend(caller.scopes);
                first
            }
        });
    }
    Ok(merged.unwrap_or_default())
}

/// The credential `scheme` expects, taken from the request.
fn credential(scheme: &Scheme, headers: &HeaderMap, query: Option<&str>) -> Result<String, String> {
    match scheme.kind {
        SchemeKind::Bearer => {
            let value = headers
                .get(axum::http::header::AUTHORIZATION)
                .ok_or_else(|| "missing Authorization header".to_owned())?
                .to_str()
                .map_err(|_| "Authorization header is not valid text".to_owned())?;
            let (kind, token) = value
                .trim()
                .split_once(' ')
                .ok_or_else(|| "Authorization header is not a bearer token".to_owned())?;
            if !kind.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
                return Err("Authorization header is not a bearer token".into());
            }
            Ok(token.trim().to_owned())
        }
        SchemeKind::ApiKeyHeader(name) => {
            let value = headers
                .get(name)
                .ok_or_else(|| format!("missing {name} header"))?;
            let value = value
                .to_str()
                .map_err(|_| format!("{name} header is not valid text"))?
                .trim();
            if value.is_empty() {
                return Err(format!("empty {name} header"));
            }
            Ok(value.to_owned())
        }
        SchemeKind::ApiKeyQuery(name) => {
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| format!("missing {name} query parameter"))
        }
    }
}
