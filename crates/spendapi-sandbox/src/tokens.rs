//! OAuth 2.0 token endpoints (Coupa `POST /oauth2/token`, Concur `POST /oauth2/v0/token`) and
//! the [`Verifier`] every generated trait requires: issued tokens are rows of the `tokens`
//! table (they survive restarts and would be shared by replicas), CSO keys come from the
//! configuration.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use spendapi_server::{AuthError, Caller, Scheme, SchemeKind, Vendor, Verifier};

use crate::{Sandbox, now_secs};

/// Token kinds in the `tokens` table.
const COUPA: &str = "coupa";
const CONCUR: &str = "concur";
const CONCUR_REFRESH: &str = "concur_refresh";

/// Refresh tokens live longer than access tokens (Concur: six months).
const REFRESH_LIFETIME_SECS: i64 = 180 * 86_400;

impl Verifier for Sandbox {
    async fn verify(&self, scheme: &Scheme, credential: &str) -> Result<Caller, AuthError> {
        match scheme.kind {
            SchemeKind::ApiKeyHeader(_) | SchemeKind::ApiKeyQuery(_) => {
                if self.config.cso_keys.iter().any(|k| k == credential) {
                    Ok(Caller::new("cso-api-key", Vec::<String>::new()))
                } else {
                    Err(AuthError::new("Missing or invalid X-CSO-API-KEY header."))
                }
            }
            SchemeKind::Bearer => {
                let kind = match scheme.vendor {
                    Vendor::Concur => CONCUR,
                    Vendor::CoupaCore | Vendor::CoupaSourcing => COUPA,
                };
                match self.store.token(kind, credential, now_secs()).await {
                    Ok(Some((client, scopes))) => Ok(Caller::new(
                        client,
                        scopes.split(' ').filter(|s| !s.is_empty()),
                    )),
                    Ok(None) if kind == CONCUR => {
                        Err(AuthError::new("Missing or invalid authorization header"))
                    }
                    Ok(None) => Err(AuthError::new("invalid or expired access token")),
                    // The caller sees no driver message; a layer in `web` turns this into a
                    // 503 when the database is down.
                    Err(err) => {
                        tracing::warn!("token look-up failed: {err:#}");
                        Err(AuthError::new("the access token could not be checked"))
                    }
                }
            }
        }
    }
}

/// The form-encoded body (read whatever the `Content-Type`, so a client that forgets the
/// header still gets an OAuth 2.0 error rather than a bare 415).
fn read_form(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// An OAuth 2.0 error response (RFC 6749 §5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"sandbox\"".parse().expect("static"),
        );
    }
    response
}

fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The client id and secret from the form, or from HTTP Basic authentication.
fn client_credentials(
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> Option<(String, String)> {
    if let (Some(id), Some(secret)) = (form.get("client_id"), form.get("client_secret")) {
        return Some((id.clone(), secret.clone()));
    }
    basic_credentials(headers.get(header::AUTHORIZATION)?.to_str().ok()?)
}

/// `Authorization: Basic …` as RFC 6749 §2.3.1 has clients send it: the scheme in any case
/// (RFC 9110 §11.1), then base64 (RFC 7617) of the form-url-encoded id, a colon and the
/// form-url-encoded secret, so `+` and `%XX` in either are decoded.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    // application/x-www-form-urlencoded decoding of one value: `+` is a space, then `%XX`.
    let form_decode = |text: &str| -> Option<String> {
        let text = text.replace('+', " ");
        let decoded = percent_encoding::percent_decode_str(&text)
            .decode_utf8()
            .ok()?;
        Some(decoded.into_owned())
    };
    Some((form_decode(id)?, form_decode(secret)?))
}

/// The requested scopes, checked against the client's (all of them when none are requested).
fn granted(requested: Option<&String>, allowed: &[String]) -> Result<Vec<String>, String> {
    let requested: Vec<String> = requested
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if requested.is_empty() {
        return Ok(allowed.to_vec());
    }
    let unknown: Vec<&String> = requested.iter().filter(|s| !allowed.contains(s)).collect();
    if unknown.is_empty() {
        Ok(requested)
    } else {
        Err(format!(
            "the client may not request {}",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ))
    }
}

async fn issue(
    sandbox: &Sandbox,
    kind: &str,
    client: &str,
    scopes: &str,
    lifetime: i64,
) -> anyhow::Result<String> {
    let token = new_token();
    let mut tx = sandbox.store.begin().await?;
    tx.purge_tokens(now_secs()).await?;
    tx.put_token(kind, &token, client, scopes, now_secs() + lifetime)
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// A failed token issue: 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1) when the database
/// is gone, else 500; the driver's message goes to the log only.
fn server_error(err: anyhow::Error) -> Response {
    if crate::store::is_unavailable(&err) {
        tracing::warn!("token endpoint: the database is unavailable: {err:#}");
        let mut response = oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the database is unavailable; retry later",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, "1".parse().expect("static"));
        return response;
    }
    tracing::error!("token endpoint failed: {err:#}");
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "the token could not be issued; see the sandbox's log",
    )
}

/// `POST /oauth2/token`: Coupa client credentials.
pub async fn coupa_token(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = read_form(&body);
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type {other} is not supported; use client_credentials"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let Some((id, secret)) = client_credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id and client_secret are required",
        );
    };
    let Some(client) = sandbox.config.client(&id, &secret) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    };
    let scopes = match granted(form.get("scope"), &client.scopes) {
        Ok(scopes) => scopes.join(" "),
        Err(message) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &message),
    };
    let lifetime = sandbox.config.token_lifetime_secs;
    match issue(&sandbox, COUPA, &client.id, &scopes, lifetime).await {
        Ok(token) => axum::Json(json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": scopes,
        }))
        .into_response(),
        Err(err) => server_error(err),
    }
}

/// `POST /oauth2/v0/token`: Concur's token endpoint (`client_credentials`, `password` and
/// `refresh_token` grants); `geolocation` is this sandbox's own base URL.
pub async fn concur_token(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = read_form(&body);
    let Some((id, secret)) = client_credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id and client_secret are required",
        );
    };
    let Some(client) = sandbox.config.client(&id, &secret).cloned() else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    };
    let scopes = match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => granted(form.get("scope"), &client.scopes),
        Some("password") => {
            let user = form.get("username").filter(|u| !u.is_empty());
            let password = form.get("password").filter(|p| !p.is_empty());
            if user.is_none() || password.is_none() {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required",
                );
            }
            granted(form.get("scope"), &client.scopes)
        }
        Some("refresh_token") => {
            let Some(refresh) = form.get("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            let taken = async {
                let mut tx = sandbox.store.begin().await?;
                let found = tx.take_token(CONCUR_REFRESH, refresh, now_secs()).await?;
                tx.commit().await?;
                anyhow::Ok(found)
            };
            match taken.await {
                Ok(Some((owner, scopes))) if owner == client.id => {
                    Ok(scopes.split(' ').map(str::to_owned).collect())
                }
                Ok(_) => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "unknown, used or expired refresh token",
                    );
                }
                Err(err) => return server_error(err),
            }
        }
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type {other} is not supported"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    };
    let scopes = match scopes {
        Ok(scopes) => scopes.join(" "),
        Err(message) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &message),
    };
    let lifetime = sandbox.config.token_lifetime_secs;
    let access = issue(&sandbox, CONCUR, &client.id, &scopes, lifetime).await;
    let refresh = issue(
        &sandbox,
        CONCUR_REFRESH,
        &client.id,
        &scopes,
        REFRESH_LIFETIME_SECS,
    )
    .await;
    match (access, refresh) {
        (Ok(access), Ok(refresh)) => axum::Json(json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "refresh_token": refresh,
            "refresh_expires_in": now_secs() + REFRESH_LIFETIME_SECS,
            "scope": scopes,
            "geolocation": crate::base_url(&headers),
        }))
        .into_response(),
        (Err(err), _) | (_, Err(err)) => server_error(err),
    }
}

#[cfg(test)]
mod tests {
    use super::basic_credentials;

    fn basic(scheme: &str, raw: &str) -> String {
        use base64::Engine as _;
        format!(
            "{scheme} {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    #[test]
    fn basic_scheme_is_case_insensitive() {
        for scheme in ["Basic", "basic", "BASIC", "bAsIc"] {
            assert_eq!(
                basic_credentials(&basic(scheme, "sandbox:sandbox")),
                Some(("sandbox".into(), "sandbox".into())),
                "{scheme}"
            );
        }
        assert_eq!(basic_credentials(&basic("Bearer", "a:b")), None);
        assert_eq!(basic_credentials("Basic"), None);
    }

    #[test]
    fn id_and_secret_are_form_url_decoded() {
        // RFC 6749 §2.3.1: each is form-url-encoded before the colon joins them.
        assert_eq!(
            basic_credentials(&basic("Basic", "my%3Aclient:s%C3%A9cret+%2B+1")),
            Some(("my:client".into(), "sécret + 1".into()))
        );
        // Only the first colon separates: an encoded one belongs to the id.
        assert_eq!(
            basic_credentials(&basic("Basic", "id:a:b")),
            Some(("id".into(), "a:b".into()))
        );
    }

    #[test]
    fn malformed_credentials_are_refused() {
        assert_eq!(basic_credentials("Basic !!!"), None);
        assert_eq!(basic_credentials(&basic("Basic", "no-colon")), None);
        assert_eq!(basic_credentials(&basic("Basic", "id:%FF")), None);
    }
}
