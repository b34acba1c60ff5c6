//! Load benchmark of the generated server stubs: requests per second and latency percentiles.
//!
//! Run with `cargo bench -p spendapi-server --bench stubs`. Each scenario serves a generated
//! router (or, for the baseline, a bare axum handler) on `127.0.0.1:0` and drives it from the same
//! process and the same tokio runtime with [`CONNECTIONS`] HTTP/1.1 keep-alive connections, each
//! sending its next request as soon as the previous answer is read (wrk's model). A scenario
//! stops after its request count or [`TIME_CAP`], whichever comes first; a short warm-up
//! precedes each measurement. At the end the process's peak RSS (`VmHWM`) is printed.
//!
//! Without `--bench` (for example under `cargo test --benches`) every scenario runs a few
//! requests only, as a smoke test of the bench itself.
//!
//! `SPENDAPI_BENCH_REQUESTS` overrides the request count of each scenario.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::{Method, Request, StatusCode};
use axum::serve::ListenerExt;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use spendapi_server::coupa_accounts::{
    CoupaAccounts, CreateAccountQuery, CreateAccountResponse, GetAccountPath, GetAccountQuery,
    GetAccountResponse, ListAccountsQuery, ListAccountsResponse, UpdateAccountAllocationQuery,
    UpdateAccountAllocationResponse, UpdateAccountPath, UpdateAccountQuery, UpdateAccountResponse,
};
use spendapi_server::coupa_delegations::{
    CoupaDelegations, ListDelegationsQuery, ListDelegationsResponse,
};
use spendapi_server::{AuthError, Caller, Scheme, Verifier};
use spendapi_types::coupa_accounts as accounts;
use spendapi_types::coupa_delegations as delegations;
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn Error + Send + Sync>;

/// Concurrent keep-alive connections, as in the peer measurement (wrk, 32 connections).
const CONNECTIONS: usize = 32;
/// Requests measured per scenario.
const REQUESTS: usize = 50_000;
/// Requests sent before each measurement and not counted.
const WARM_UP: usize = 1_000;
/// Requests per scenario in smoke mode (without `--bench`).
const SMOKE_REQUESTS: usize = 64;
/// Every scenario stops after this long, whatever its request count.
const TIME_CAP: Duration = Duration::from_secs(10);
/// How many delegations the canned list holds (copies of the spec's example with new ids).
const DELEGATIONS: usize = 5;
const TOKEN: &str = "bench-token";

// --- The canned implementation --------------------------------------------------------------

/// Answers `list_delegations` and `create_account` with values built once from the spec's
/// examples; accepts one bearer token carrying the scopes both operations need.
#[derive(Clone)]
struct Stub {
    delegations: delegations::DelegationList,
    created: accounts::Account,
}

impl Verifier for Stub {
    async fn verify(&self, _scheme: &Scheme, credential: &str) -> Result<Caller, AuthError> {
        match credential {
            TOKEN => Ok(Caller::new(
                "bench",
                [
                    "core.user.read",
                    "core.accounting.read",
                    "core.accounting.write",
                ],
            )),
            _ => Err(AuthError::new("unknown token")),
        }
    }
}

impl CoupaDelegations for Stub {
    async fn list_delegations(
        &self,
        _caller: Caller,
        _query: ListDelegationsQuery,
    ) -> ListDelegationsResponse {
        ListDelegationsResponse::Ok(self.delegations.clone())
    }
}

impl CoupaAccounts for Stub {
    async fn list_accounts(
        &self,
        _caller: Caller,
        _query: ListAccountsQuery,
    ) -> ListAccountsResponse {
        ListAccountsResponse::Ok(accounts::AccountList(Vec::new()))
    }
    async fn create_account(
        &self,
        _caller: Caller,
        _query: CreateAccountQuery,
        _body: accounts::AccountCreate,
    ) -> CreateAccountResponse {
        CreateAccountResponse::Created(self.created.clone())
    }
    async fn get_account(
        &self,
        _caller: Caller,
        _path: GetAccountPath,
        _query: GetAccountQuery,
    ) -> GetAccountResponse {
        GetAccountResponse::Ok(self.created.clone())
    }
    async fn update_account(
        &self,
        _c: Caller,
        _p: UpdateAccountPath,
        _q: UpdateAccountQuery,
        _b: accounts::AccountUpdate,
    ) -> UpdateAccountResponse {
        UpdateAccountResponse::Ok(self.created.clone())
    }
    async fn update_account_allocation(
        &self,
        _c: Caller,
        _q: UpdateAccountAllocationQuery,
        _b: accounts::AccountAllocationUpdate,
    ) -> UpdateAccountAllocationResponse {
        UpdateAccountAllocationResponse::Ok(self.created.clone())
    }
}

/// The value of `#/components/examples/<name>` in the bundled spec `openapi/<api>.yaml`.
fn spec_example(api: &str, name: &str) -> Result<Value, BoxError> {
    let path = spendapi_spec::workspace_root()
        .join("openapi")
        .join(format!("{api}.yaml"));
    let doc = spendapi_spec::bundle(&path)
        .map_err(|e| format!("failed to bundle {}: {e:#}", path.display()))?;
    doc.pointer(&format!("/components/examples/{name}/value"))
        .cloned()
        .ok_or_else(|| format!("{api} has no example {name}").into())
}

fn stub() -> Result<Stub, BoxError> {
    let example = spec_example("coupa-delegations", "DelegationListSeed003Json")?;
    let first = example
        .as_array()
        .and_then(|list| list.first())
        .ok_or("the delegation example is not a non-empty list")?;
    let list: Vec<Value> = (1..=DELEGATIONS)
        .map(|id| {
            let mut delegation = first.clone();
            delegation["id"] = id.into();
            delegation
        })
        .collect();
    Ok(Stub {
        delegations: serde_json::from_value(Value::Array(list))?,
        created: serde_json::from_value(spec_example("coupa-accounts", "AccountCreatedJson")?)?,
    })
}

// --- Scenarios --------------------------------------------------------------------------------

struct Scenario {
    name: &'static str,
    addr: SocketAddr,
    method: Method,
    path: &'static str,
    headers: Vec<(axum::http::HeaderName, String)>,
    body: Bytes,
    expect: StatusCode,
}

struct Outcome {
    sent: usize,
    failed: usize,
    elapsed: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
    response_bytes: usize,
}

impl Outcome {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

async fn serve(app: Router) -> Result<SocketAddr, BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

fn request(scenario: &Scenario) -> Result<Request<Full<Bytes>>, BoxError> {
    let mut builder = Request::builder()
        .method(scenario.method.clone())
        .uri(scenario.path)
        .header(HOST, scenario.addr.to_string());
    for (name, value) in &scenario.headers {
        builder = builder.header(name, value);
    }
    Ok(builder.body(Full::new(scenario.body.clone()))?)
}

/// One request, answered and read whole: its status and body.
async fn exchange(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    scenario: &Scenario,
) -> Result<(StatusCode, Bytes), BoxError> {
    sender.ready().await?;
    let response = sender.send_request(request(scenario)?).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// Sends `total` requests over [`CONNECTIONS`] connections (stopping at [`TIME_CAP`]).
async fn drive(scenario: Arc<Scenario>, total: usize) -> Result<Outcome, BoxError> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS.min(total) {
        let scenario = scenario.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(scenario.addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            let mut latencies = Vec::with_capacity(total / CONNECTIONS + 1);
            let (mut failed, mut bytes) = (0, 0);
            while next.fetch_add(1, Ordering::Relaxed) < total && start.elapsed() < TIME_CAP {
                let sent = Instant::now();
                let (status, body) = exchange(&mut sender, &scenario).await?;
                latencies.push(sent.elapsed());
                if status != scenario.expect {
                    failed += 1;
                }
                bytes = body.len();
            }
            Ok::<_, BoxError>((latencies, failed, bytes))
        }));
    }
    let mut outcome = Outcome {
        sent: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(total),
        response_bytes: 0,
    };
    for task in tasks {
        let (latencies, failed, bytes) = task.await??;
        outcome.latencies.extend(latencies);
        outcome.failed += failed;
        outcome.response_bytes = outcome.response_bytes.max(bytes);
    }
    outcome.elapsed = start.elapsed();
    outcome.sent = outcome.latencies.len();
    outcome.latencies.sort_unstable();
    Ok(outcome)
}

/// Sends the scenario's request once and checks the answer; returns its body.
async fn probe(scenario: &Scenario) -> Result<Bytes, BoxError> {
    let stream = TcpStream::connect(scenario.addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let (status, body) = exchange(&mut sender, scenario).await?;
    if status != scenario.expect {
        return Err(format!(
            "{}: expected {}, got {status}: {}",
            scenario.name,
            scenario.expect,
            String::from_utf8_lossy(&body)
        )
        .into());
    }
    Ok(body)
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

async fn run(bench: bool) -> Result<(), BoxError> {
    let requests = match std::env::var("SPENDAPI_BENCH_REQUESTS") {
        Ok(n) => n
            .parse()
            .map_err(|e| format!("SPENDAPI_BENCH_REQUESTS={n}: {e}"))?,
        Err(_) if bench => REQUESTS,
        Err(_) => SMOKE_REQUESTS,
    };
    let warm_up = if bench { WARM_UP } else { 0 };

    let stub = stub()?;
    let delegations = serve(spendapi_server::coupa_delegations::router(stub.clone())).await?;
    let accounts = serve(spendapi_server::coupa_accounts::router(stub)).await?;

    let bearer = (AUTHORIZATION, format!("Bearer {TOKEN}"));
    let json = (CONTENT_TYPE, "application/json".to_owned());
    let create_body = serde_json::to_vec(&spec_example("coupa-accounts", "AccountCreateJson")?)?;
    let get = |name, addr, path, accept: &str| Scenario {
        name,
        addr,
        method: Method::GET,
        path,
        headers: vec![bearer.clone(), (ACCEPT, accept.to_owned())],
        body: Bytes::new(),
        expect: StatusCode::OK,
    };
    let mut scenarios = vec![
        get(
            "(a) delegations, JSON",
            delegations,
            "/api/delegations?limit=50",
            "application/json",
        ),
        get(
            "(b) delegations, XML",
            delegations,
            "/api/delegations?limit=50",
            "application/xml",
        ),
        Scenario {
            name: "(c) create account, valid JSON",
            addr: accounts,
            method: Method::POST,
            path: "/api/accounts",
            headers: vec![bearer.clone(), json.clone()],
            body: Bytes::from(create_body),
            expect: StatusCode::CREATED,
        },
        Scenario {
            name: "(d) create account, 400",
            addr: accounts,
            method: Method::POST,
            path: "/api/accounts",
            headers: vec![bearer.clone(), json.clone()],
            body: Bytes::from_static(br#"{"name": "Travel", "account-type": {"id": "one"}}"#),
            expect: StatusCode::BAD_REQUEST,
        },
    ];
    // The baseline serves the exact bytes of scenario (a) from a bare handler.
    let static_body = probe(&scenarios[0]).await?;
    let baseline = serve(Router::new().route(
        "/static",
        axum::routing::get(move || {
            let body = static_body.clone();
            async move { ([(CONTENT_TYPE, "application/json")], body) }
        }),
    ))
    .await?;
    scenarios.push(get(
        "(e) bare axum, static JSON",
        baseline,
        "/static",
        "application/json",
    ));

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "spendapi-server stubs: {cores} cores; {CONNECTIONS} connections; {requests} requests per scenario (cap {} s)",
        TIME_CAP.as_secs()
    );
    println!();
    println!("| scenario | requests | failed | req/s | p50 ms | p99 ms | max ms | body bytes |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut problems = Vec::new();
    for scenario in scenarios {
        probe(&scenario).await?;
        let scenario = Arc::new(scenario);
        if warm_up > 0 {
            drive(scenario.clone(), warm_up).await?;
        }
        let outcome = drive(scenario.clone(), requests).await?;
        let rate = outcome.sent as f64 / outcome.elapsed.as_secs_f64();
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            scenario.name,
            outcome.sent,
            outcome.failed,
            rate,
            ms(outcome.percentile(50.0)),
            ms(outcome.percentile(99.0)),
            ms(outcome.latencies.last().copied().unwrap_or_default()),
            outcome.response_bytes,
        );
        if outcome.failed > 0 {
            problems.push(format!(
                "{}: {} answers were not {}",
                scenario.name, outcome.failed, scenario.expect
            ));
        }
    }
    println!();
    println!("peak RSS (VmHWM): {}", peak_rss());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

fn main() -> Result<(), BoxError> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then only a smoke run.
    let bench = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(bench))
}
