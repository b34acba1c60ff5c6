//! Several sandboxes on one PostgreSQL database, as separate processes: concurrent writers
//! over both replicas lose nothing and get unique consecutive numbers; `kill -9` of one
//! replica loses no acknowledged write; and PostgreSQL stopped under a running sandbox gives
//! 503s in each vendor's format, then normal service again without a restart.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::pg;

/// Every request's limit: a request that hangs fails the test instead of blocking it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("HTTP client")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A sandbox process on `db`; killed when dropped.
struct Replica {
    child: Child,
    base: String,
}

impl Replica {
    fn spawn(db: &str) -> Replica {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_spendapi-sandbox"))
            .args(["--addr", &format!("127.0.0.1:{port}")])
            // Through the environment, as an operator keeps the URL off the command line.
            .env("SPENDAPI_SANDBOX_DB", db)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the sandbox");
        Replica {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until `/healthz` answers 200 (it migrates and seeds first).
    async fn ready(&self, http: &reqwest::Client) {
        for _ in 0..1200 {
            if let Ok(response) = http.get(format!("{}/healthz", self.base)).send().await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the replica at {} did not come up", self.base);
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn coupa_token(http: &reqwest::Client, base: &str) -> String {
    let body: Value = http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox"),
            ("client_secret", "sandbox"),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

fn cso(http: &reqwest::Client, method: Method, url: String) -> reqwest::RequestBuilder {
    http.request(method, url).header("X-CSO-API-KEY", "sandbox")
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON")
}

/// The demo event the concurrent updates write, and the demo record the appends go to.
const EVENT: &str = "9219595375673293031";
const RECORD: i64 = 90211;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_one_database() {
    let Some(db) = pg::database("two_replicas_share_one_database") else {
        return;
    };
    let http = http();
    // Started together: migrations and demo seeding race and must happen once.
    let mut a = Replica::spawn(&db);
    let b = Replica::spawn(&db);
    a.ready(&http).await;
    b.ready(&http).await;
    let bases = [a.base.clone(), b.base.clone()];

    // A token from one replica is accepted by the other.
    let token = coupa_token(&http, &bases[0]).await;
    let shown = http
        .get(format!(
            "{}/api/integration_history_records/{RECORD}",
            bases[1]
        ))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .send()
        .await
        .expect("show");
    assert_eq!(shown.status(), 200);
    let before = json_of(shown).await["responses"]
        .as_array()
        .map_or(0, Vec::len);

    let highest = json_of(
        cso(
            &http,
            Method::GET,
            format!(
                "{}/api/events?order_by=event-number&dir=desc&limit=1",
                bases[0]
            ),
        )
        .send()
        .await
        .expect("list"),
    )
    .await["events"][0]["event-number"]
        .as_i64()
        .expect("the demo's highest event number");

    // Eight writers over both replicas.
    const CREATES: usize = 15;
    const PER_CREATE: usize = 4;
    const UPDATES: usize = 20;
    const APPENDS: usize = 15;
    let mut writers = Vec::new();
    for w in 0..8usize {
        let http = http.clone();
        let base = bases[w % 2].clone();
        let token = token.clone();
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            match w {
                // Bulk creates.
                0..=2 => {
                    for k in 0..CREATES {
                        let events: Vec<Value> = (0..PER_CREATE)
                            .map(|e| json!({"market-id": "7001", "name": format!("w{w} {k} {e}")}))
                            .collect();
                        let response = cso(&http, Method::POST, format!("{base}/api/events"))
                            .json(&json!({"events": events}))
                            .send()
                            .await
                            .expect("create");
                        assert_eq!(response.status(), 201);
                        for event in json_of(response).await["events"]
                            .as_array()
                            .expect("events")
                        {
                            ids.push(event["id"].as_str().expect("id").to_owned());
                        }
                    }
                }
                // The same event, each writer its own field: a lost update would leave a
                // writer's last value overwritten by an older document.
                3 | 4 => {
                    let field = if w == 3 { "name" } else { "description" };
                    for k in 0..UPDATES {
                        let response =
                            cso(&http, Method::PUT, format!("{base}/api/events/{EVENT}"))
                                .json(&json!({field: format!("{field} {k}")}))
                                .send()
                                .await
                                .expect("update");
                        assert_eq!(response.status(), 200, "{field} {k}");
                    }
                }
                // Appends to one record's responses, by PUT and PATCH.
                _ => {
                    let method = if w == 6 { Method::PATCH } else { Method::PUT };
                    for k in 0..APPENDS {
                        let response = http
                            .request(
                                method.clone(),
                                format!("{base}/api/integration_history_records/{RECORD}"),
                            )
                            .bearer_auth(&token)
                            .header("accept", "application/json")
                            .json(&json!({"responses": [{"response-code": format!("w{w}-{k}")}]}))
                            .send()
                            .await
                            .expect("append");
                        assert_eq!(response.status(), 200, "w{w}-{k}");
                    }
                }
            }
            ids
        }));
    }
    let mut ids = BTreeSet::new();
    for writer in writers {
        ids.extend(writer.await.expect("writer"));
    }

    // Exact counts, unique ids, unique consecutive numbers after the demo's.
    let created = 3 * CREATES * PER_CREATE;
    assert_eq!(ids.len(), created, "unique ids");
    let list = json_of(
        cso(
            &http,
            Method::GET,
            format!("{}/api/events?market-id=7001&limit=250", bases[1]),
        )
        .send()
        .await
        .expect("list"),
    )
    .await;
    let events = list["events"].as_array().expect("events");
    let listed: BTreeSet<String> = events
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(listed, ids, "every created event is listed");
    let mut numbers: Vec<i64> = events
        .iter()
        .map(|e| e["event-number"].as_i64().expect("number"))
        .collect();
    numbers.sort_unstable();
    let expected: Vec<i64> = (highest + 1..=highest + created as i64).collect();
    assert_eq!(
        numbers, expected,
        "event numbers: unique, consecutive, none skipped"
    );
    for base in &bases {
        let list = json_of(
            cso(
                &http,
                Method::GET,
                format!("{base}/api/events?market-id=7001&limit=1"),
            )
            .send()
            .await
            .expect("list"),
        )
        .await;
        assert_eq!(list["total"], created, "{base}");
    }
    // Every writer's last value is there.
    let event = json_of(
        cso(
            &http,
            Method::GET,
            format!("{}/api/events/{EVENT}", bases[1]),
        )
        .send()
        .await
        .expect("show"),
    )
    .await;
    assert_eq!(event["name"], format!("name {}", UPDATES - 1));
    assert_eq!(event["description"], format!("description {}", UPDATES - 1));
    // Every append is there, once, with its own id.
    let record = json_of(
        http.get(format!(
            "{}/api/integration_history_records/{RECORD}",
            bases[0]
        ))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .send()
        .await
        .expect("show"),
    )
    .await;
    let responses = record["responses"].as_array().expect("responses");
    assert_eq!(responses.len(), before + 3 * APPENDS);
    let codes: BTreeSet<String> = responses
        .iter()
        .filter_map(|r| r["response-code"].as_str().map(str::to_owned))
        .collect();
    for w in 5..8 {
        for k in 0..APPENDS {
            assert!(codes.contains(&format!("w{w}-{k}")), "w{w}-{k} lost");
        }
    }
    let ids: BTreeSet<String> = responses.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(ids.len(), responses.len(), "response ids are unique");

    // kill -9 one replica in the middle of the load: what it acknowledged is kept, and
    // clients that retry on the other replica finish.
    const CLIENTS: usize = 4;
    const EACH: usize = 25;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let http = http.clone();
        let bases = bases.clone();
        let acknowledged = Arc::clone(&acknowledged);
        clients.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            let mut turn = c;
            for k in 0..EACH {
                // Retries: on a refused or broken connection or a 5xx, the other replica.
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    assert!(attempts <= 50, "client {c} item {k} never succeeded");
                    let base = &bases[turn % 2];
                    turn += 1;
                    let sent = cso(&http, Method::POST, format!("{base}/api/events"))
                        .json(&json!({"events": [{"market-id": "7002", "name": format!("c{c} {k}")}]}))
                        .send()
                        .await;
                    let Ok(response) = sent else { continue };
                    if response.status() != 201 {
                        continue;
                    }
                    let body = json_of(response).await;
                    ids.push(body["events"][0]["id"].as_str().expect("id").to_owned());
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                    break;
                }
            }
            ids
        }));
    }
    while acknowledged.load(Ordering::SeqCst) < CLIENTS * EACH / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.kill();
    let mut ids = Vec::new();
    for client in clients {
        let mine = client.await.expect("client");
        assert_eq!(mine.len(), EACH, "a client with retries finishes its work");
        ids.extend(mine);
    }
    let survivor = &bases[1];
    for id in &ids {
        let response = cso(&http, Method::GET, format!("{survivor}/api/events/{id}"))
            .send()
            .await
            .expect("show");
        assert_eq!(response.status(), 200, "acknowledged event {id}");
    }
    let list = json_of(
        cso(
            &http,
            Method::GET,
            format!("{survivor}/api/events?market-id=7002&limit=1"),
        )
        .send()
        .await
        .expect("list"),
    )
    .await;
    // A request the killed replica committed but could not answer is retried: at least every
    // acknowledged one, at most one more per client.
    let total = list["total"].as_u64().expect("total") as usize;
    assert!(
        (ids.len()..=ids.len() + CLIENTS).contains(&total),
        "{total} events for {} acknowledged",
        ids.len()
    );
    drop(b);
}

/// PostgreSQL stopped under a running sandbox: 503s in each vendor's format (no driver
/// message, no hang), `/healthz` 503; started again: normal service, same process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_a_503_and_recovers() {
    let Some(cluster) = pg::Cluster::start("database_outage_is_a_503_and_recovers") else {
        return;
    };
    let db = cluster.database("outage");
    let http = http();
    let replica = Replica::spawn(&db);
    replica.ready(&http).await;
    let base = replica.base.clone();
    let token = coupa_token(&http, &base).await;
    let coupa = |path: &str| {
        http.get(format!("{base}{path}"))
            .bearer_auth(&token)
            .header("accept", "application/json")
    };
    assert_eq!(
        coupa("/api/integration_history_records/90211")
            .send()
            .await
            .expect("show")
            .status(),
        200
    );

    cluster.stop();
    let health = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 503);
    assert_eq!(json_of(health).await["error"], "unavailable");
    // Coupa: its JSON error body.
    let response = coupa("/api/integration_history_records/90211")
        .send()
        .await
        .expect("show");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body = response.text().await.expect("body");
    let json: Value = serde_json::from_str(&body).expect("Coupa JSON");
    assert!(json["errors"].is_object(), "{body}");
    // A write too.
    let response = http
        .put(format!("{base}/api/integration_history_records/{RECORD}"))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .json(&json!({"responses": [{"response-code": "during the outage"}]}))
        .send()
        .await
        .expect("update");
    assert_eq!(response.status(), 503);
    // CSO: its result envelope.
    let response = cso(&http, Method::GET, format!("{base}/api/events/{EVENT}"))
        .send()
        .await
        .expect("show");
    assert_eq!(response.status(), 503);
    let body = response.text().await.expect("body");
    let json: Value = serde_json::from_str(&body).expect("CSO JSON");
    assert_eq!(json["result"][0]["type"], "api.error.unavailable", "{body}");
    // Token endpoint: an OAuth 2.0 error.
    let response = http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox"),
            ("client_secret", "sandbox"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), 503);
    assert_eq!(json_of(response).await["error"], "temporarily_unavailable");
    // Concur: its error message.
    let response = http
        .get(format!(
            "{base}/expensereports/v4/users/{}/context/TRAVELER/reports/{}/expenses/1/allocations",
            spendapi_sandbox::demo::CONCUR_USER,
            spendapi_sandbox::demo::CONCUR_REPORT
        ))
        .bearer_auth("any")
        .send()
        .await
        .expect("Concur");
    assert_eq!(response.status(), 503);
    let body = response.text().await.expect("body");
    assert!(
        !body.to_lowercase().contains("connection") && !body.contains("sqlx"),
        "no driver message: {body}"
    );

    cluster.restart();
    let mut healthy = false;
    for _ in 0..200 {
        let health = http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("health");
        if health.status() == 200 {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(healthy, "the sandbox recovers once the database is back");
    assert_eq!(
        coupa("/api/integration_history_records/90211")
            .send()
            .await
            .expect("show")
            .status(),
        200
    );
    let response = http
        .put(format!("{base}/api/integration_history_records/{RECORD}"))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .json(&json!({"responses": [{"response-code": "after the outage"}]}))
        .send()
        .await
        .expect("update");
    assert_eq!(response.status(), 200);
}

/// The load balancer configuration the README gives (`deploy/haproxy.cfg`), used as it is:
/// two replicas behind HAProxy serve one set of data, and with one replica killed the other
/// serves every request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_behind_haproxy() {
    let haproxy = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("haproxy"))
            .find(|bin| bin.exists())
    });
    let Some(haproxy) = haproxy else {
        let message = "skipped: two_replicas_behind_haproxy needs HAProxy, which is not \
                       installed here; install it (Debian: apt-get install haproxy)";
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{message} (CI=true: a skipped test is a failure)"
        );
        eprintln!("{message}");
        return;
    };
    let Some(db) = pg::database("two_replicas_behind_haproxy") else {
        return;
    };
    let http = http();
    let mut a = Replica::spawn(&db);
    let b = Replica::spawn(&db);
    a.ready(&http).await;
    b.ready(&http).await;
    let port = free_port();
    let front = format!("http://127.0.0.1:{port}");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/haproxy.cfg");
    let mut proxy = Command::new(haproxy)
        .args(["-f", config, "-db"])
        .env("SANDBOX_LISTEN", format!("127.0.0.1:{port}"))
        .env("SANDBOX_A", a.base.trim_start_matches("http://"))
        .env("SANDBOX_B", b.base.trim_start_matches("http://"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start HAProxy");
    let mut up = false;
    for _ in 0..200 {
        if let Ok(response) = http.get(format!("{front}/healthz")).send().await
            && response.status() == 200
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "HAProxy answers");
    // Round robin: a token from one replica works on whichever answers next, and writes
    // through either are read through the other.
    let token = coupa_token(&http, &front).await;
    for k in 0..10 {
        let response = http
            .put(format!("{front}/api/integration_history_records/{RECORD}"))
            .bearer_auth(&token)
            .header("accept", "application/json")
            .json(&json!({"responses": [{"response-code": format!("lb-{k}")}]}))
            .send()
            .await
            .expect("append");
        assert_eq!(response.status(), 200, "lb-{k}");
    }
    let record = json_of(
        http.get(format!("{front}/api/integration_history_records/{RECORD}"))
            .bearer_auth(&token)
            .header("accept", "application/json")
            .send()
            .await
            .expect("show"),
    )
    .await;
    let codes: Vec<&str> = record["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .filter_map(|r| r["response-code"].as_str())
        .filter(|c| c.starts_with("lb-"))
        .collect();
    assert_eq!(codes.len(), 10, "{codes:?}");
    // One replica gone: its connections are refused, HAProxy sends each request to the other.
    a.kill();
    for k in 0..10 {
        let response = cso(&http, Method::GET, format!("{front}/api/events/{EVENT}"))
            .send()
            .await
            .expect("show");
        assert_eq!(response.status(), 200, "request {k} after the kill");
    }
    let _ = proxy.kill();
    let _ = proxy.wait();
}

/// `POST /_sandbox/reset` on one replica while another serves: every answer of the other
/// shows the whole seed, never an empty or half-loaded table, and a page agrees with its
/// total.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reset_is_atomic_for_other_replicas() {
    let Some(db) = pg::database("reset_is_atomic_for_other_replicas") else {
        return;
    };
    let http = http();
    let a = Replica::spawn(&db);
    let b = Replica::spawn(&db);
    a.ready(&http).await;
    b.ready(&http).await;
    let list_url = format!("{}/api/events?limit=250", b.base);
    let seed = json_of(
        cso(&http, Method::GET, list_url.clone())
            .send()
            .await
            .expect("list"),
    )
    .await["total"]
        .as_u64()
        .expect("total");
    assert!(seed > 0, "the demo seed has events");
    let resets = {
        let http = http.clone();
        let base = a.base.clone();
        tokio::spawn(async move {
            for k in 0..15 {
                let response = http
                    .post(format!("{base}/_sandbox/reset"))
                    .bearer_auth("sandbox-admin")
                    .send()
                    .await
                    .expect("reset");
                assert_eq!(response.status(), 204, "reset {k}");
            }
        })
    };
    let mut reads = 0;
    while !resets.is_finished() || reads == 0 {
        let list = json_of(
            cso(&http, Method::GET, list_url.clone())
                .send()
                .await
                .expect("list"),
        )
        .await;
        assert_eq!(list["total"], seed, "read {reads} during the resets");
        assert_eq!(
            list["events"].as_array().map(Vec::len),
            Some(seed as usize),
            "read {reads}: the page agrees with its total"
        );
        reads += 1;
    }
    resets.await.expect("resets");
}
