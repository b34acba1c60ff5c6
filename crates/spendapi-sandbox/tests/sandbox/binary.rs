//! The binary: kill -9 loses nothing acknowledged (a file database, killed and restarted),
//! and the default credentials stay on loopback.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn spawn(db: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_spendapi-sandbox"))
        .args([
            "--db",
            &db.display().to_string(),
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the sandbox")
}

/// Waits until the sandbox answers (it opens the database and migrates first).
async fn ready(http: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if http.get(format!("{base}/")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sandbox did not come up");
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("durable.db");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut child = spawn(&db, port);
    ready(&http, &base).await;
    let mut acknowledged = Vec::new();
    for i in 0..40 {
        let response = http
            .request(Method::POST, format!("{base}/api/events"))
            .header("X-CSO-API-KEY", "sandbox")
            .json(&json!({"events": [{"market-id": "7", "name": format!("durable {i}")}]}))
            .send()
            .await
            .expect("create");
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("JSON");
        acknowledged.push(body["events"][0]["id"].as_str().expect("id").to_owned());
    }
    // SIGKILL on Unix: no shutdown, no flush.
    child.kill().expect("kill");
    child.wait().expect("reap");
    let mut child = spawn(&db, port);
    ready(&http, &base).await;
    for id in &acknowledged {
        let response = http
            .get(format!("{base}/api/events/{id}"))
            .header("X-CSO-API-KEY", "sandbox")
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "event {id} was acknowledged");
    }
    let list: Value = http
        .get(format!("{base}/api/events?market-id=7&limit=250"))
        .header("X-CSO-API-KEY", "sandbox")
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    assert_eq!(list["total"], acknowledged.len());
    child.kill().expect("kill");
    child.wait().expect("reap");
}

#[test]
fn default_credentials_refuse_a_public_address() {
    let output = Command::new(env!("CARGO_BIN_EXE_spendapi-sandbox"))
        .args(["--db", ":memory:", "--addr", "0.0.0.0:0"])
        .output()
        .expect("run the sandbox");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--allow-public"), "{stderr}");
}

/// SIGTERM shuts the server down cleanly (exit status 0), keeping what it acknowledged.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("term.db");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut child = spawn(&db, port);
    ready(&http, &base).await;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().expect("reap"))
        .await
        .expect("join");
    assert!(exit.success(), "{exit:?}");
}

/// The start-up banner shows the development credentials (public, meant to be copied) but
/// nothing secret from `--config`: no client secret, CSO key, admin token or database
/// password, on stdout or in the log.
#[tokio::test]
async fn configured_secrets_are_never_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("secrets.db").display().to_string();
    let config = dir.path().join("sandbox.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            admin_token = "admin-token-c0ffee"
            cso_keys = ["cso-key-c0ffee"]
            database = "{db}"

            [[clients]]
            id = "erp"
            secret = "client-secret-c0ffee"
            "#
        ),
    )
    .expect("write the config");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendapi-sandbox"))
        .args(["--addr", &format!("127.0.0.1:{port}"), "--config"])
        .arg(&config)
        .env("RUST_LOG", "debug")
        .env_remove("SPENDAPI_SANDBOX_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the sandbox");
    let http = reqwest::Client::new();
    ready(&http, &base).await;
    // Requests with the secrets, so a log line that echoed them would show up.
    let token = http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "erp"),
            ("client_secret", "client-secret-c0ffee"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(token.status(), 200);
    let reset = http
        .post(format!("{base}/_sandbox/reset"))
        .bearer_auth("admin-token-c0ffee")
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), 204);
    child.kill().expect("kill");
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("OAuth client: id erp"), "{stdout}");
    assert!(stdout.contains(&db), "the database is named: {stdout}");
    for secret in [
        "client-secret-c0ffee",
        "cso-key-c0ffee",
        "admin-token-c0ffee",
    ] {
        assert!(!stdout.contains(secret), "{secret} printed: {stdout}");
        assert!(!stderr.contains(secret), "{secret} logged: {stderr}");
    }
}

/// A PostgreSQL URL's password is shown as `***` wherever the database is named.
#[test]
fn database_passwords_are_redacted() {
    use spendapi_sandbox::store::redacted;
    assert_eq!(
        redacted("postgres://sandbox:hunter2@db.internal:5432/sandbox?sslmode=require"),
        "postgres://sandbox:***@db.internal:5432/sandbox?sslmode=require"
    );
    assert_eq!(
        redacted("postgresql://db.internal/sandbox?user=s&password=hunter2"),
        "postgresql://db.internal/sandbox?user=s&password=***"
    );
    assert_eq!(
        redacted("postgres://sandbox@/sandbox"),
        "postgres://sandbox@/sandbox"
    );
    assert_eq!(redacted("spendapi-sandbox.db"), "spendapi-sandbox.db");
}

/// A database URL with a password that cannot be reached: the error names the database
/// without the password.
#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let port = free_port();
    let output = Command::new(env!("CARGO_BIN_EXE_spendapi-sandbox"))
        .args(["--addr", "127.0.0.1:0", "--db"])
        .arg(format!(
            "postgres://sandbox:hunter2@127.0.0.1:{port}/sandbox"
        ))
        .output()
        .expect("run the sandbox");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stderr.contains("sandbox:***@127.0.0.1"), "{stderr}");
    assert!(
        !stderr.contains("hunter2") && !stdout.contains("hunter2"),
        "{stderr}{stdout}"
    );
}
