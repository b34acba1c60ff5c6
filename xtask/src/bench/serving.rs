//! Sandbox serving: the scenarios, and the servers they run against (the sandbox on loaded
//! databases, the bare axum ceiling, a Prism mock of the events spec).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};

use super::load::{Bounds, LoadResult, Request, Tool};
use super::postgres::Cluster;
use super::procs::{self, Server};

pub const SHOW: &str = "event show-by-id";
pub const FILTERED: &str = "events, state=Active, first page of 50";
pub const DEEP: &str = "events, deep page (offset 90 % of rows)";
/// The same rows as [`DEEP`], reached by keyset: `event-number[gt]=` the last number seen.
pub const KEYSET: &str = "events, keyset page (event-number[gt] at 90 % of rows)";
pub const ACCOUNT_JSON: &str = "Coupa account show, JSON";
pub const ACCOUNT_XML: &str = "Coupa account show, XML";
pub const ACCOUNTS_FILTERED: &str = "Coupa accounts, segment-1=S3, first page of 50";
pub const CREATE: &str = "bulk create, 50 events (POST)";
pub const STATIC: &str = "static JSON";

/// The CSO API key of the sandbox's development configuration.
const CSO_KEY: &str = "sandbox";

/// One measured scenario on one server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub server: String,
    pub scenario: String,
    #[serde(flatten)]
    pub result: LoadResult,
}

/// A loaded sandbox database and the sandbox's memory under load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sizing {
    /// The server label of the runs measured ([`sandbox_label`], [`postgres_label`]).
    pub server: String,
    pub events: u64,
    pub accounts: u64,
    pub records: u64,
    pub load_s: f64,
    /// Right after loading: the SQLite file plus its WAL; PostgreSQL's `pg_database_size`.
    pub db_bytes: u64,
    pub db_bytes_per_million_events: f64,
    /// `VmHWM` of the sandbox after every scenario (of either replica, the larger).
    pub peak_rss_bytes: Option<u64>,
    /// fsyncs per second during the bulk create: on SQLite the write transactions committed
    /// (each one fsync; `/healthz`'s `commits` before and after), on PostgreSQL the WAL
    /// flushes (`pg_stat_wal.wal_sync` before and after).
    pub create_fsyncs_per_s: Option<f64>,
}

/// The server label of a sandbox run.
pub fn sandbox_label(events: u64) -> String {
    format!("sandbox, {} events", group(events))
}

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A named request, run over and over by the load tool.
type Scenario = (&'static str, Request);

/// The events scenarios, shared by the sandbox and Prism.
fn event_requests(base: &str, id: &str, deep_offset: u64) -> Vec<Scenario> {
    let events: Vec<Value> = (0..50)
        .map(|i| json!({"market-id": "9100000000000000007", "name": format!("Bulk {i}"), "state": "Setup"}))
        .collect();
    let key = |r: Request| {
        r.header("X-CSO-API-KEY", CSO_KEY)
            .header("Accept", "application/json")
    };
    vec![
        (SHOW, key(Request::get(format!("{base}/api/events/{id}")))),
        (
            FILTERED,
            key(Request::get(format!(
                "{base}/api/events?state=Active&limit=50"
            ))),
        ),
        (
            DEEP,
            key(Request::get(format!(
                "{base}/api/events?limit=50&offset={deep_offset}"
            ))),
        ),
        // Loaded events are numbered 1..=N in the default order, so this is the deep page's
        // rows again; the brackets are percent-encoded as a client's URL builder sends them.
        (
            KEYSET,
            key(Request::get(format!(
                "{base}/api/events?limit=50&event-number%5Bgt%5D={deep_offset}"
            ))),
        ),
        (
            CREATE,
            key(Request::get(format!("{base}/api/events")))
                .post_json(json!({ "events": events }).to_string()),
        ),
    ]
}

/// Runs every scenario once against a server.
fn run_all(
    tool: &Tool,
    server: &str,
    scenarios: Vec<Scenario>,
    bounds: Bounds,
    scratch: &Path,
) -> Result<Vec<Row>> {
    run_each(server, scenarios, |request| {
        tool.run(request, bounds, scratch)
    })
}

/// Runs every scenario once with `run`, labelling the rows `server`.
fn run_each(
    server: &str,
    scenarios: Vec<Scenario>,
    run: impl Fn(&Request) -> Result<LoadResult>,
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (scenario, request) in scenarios {
        eprintln!("bench: {server}: {scenario}");
        let result = run(&request).with_context(|| format!("{server}: {scenario}"))?;
        rows.push(Row {
            server: server.to_owned(),
            scenario: scenario.to_owned(),
            result,
        });
    }
    Ok(rows)
}

/// The bare axum handler (`spendapi-sandbox-bench bare`).
pub fn bare(tool: &Tool, helper: &Path, bounds: Bounds, scratch: &Path) -> Result<Row> {
    let mut cmd = Command::new(helper);
    cmd.args(["bare", "--addr", "127.0.0.1:0"]);
    let server = Server::announced(cmd, Duration::from_secs(30))?;
    let request = Request::get(format!("{}/api/events/1", server.base()));
    let mut rows = run_all(tool, "bare axum", vec![(STATIC, request)], bounds, scratch)?;
    Ok(rows.remove(0))
}

/// Binaries of the sandbox crate, release build.
#[derive(Debug, Clone)]
pub struct Bins {
    pub sandbox: PathBuf,
    pub helper: PathBuf,
}

/// What the loader wrote, as the scenarios need it.
struct Loaded {
    accounts: u64,
    records: u64,
    token: String,
    event_id: String,
    account_id: u64,
    load_s: f64,
}

impl Loaded {
    /// The sizing row of the runs labelled `server` on this load.
    fn sizing(
        &self,
        server: String,
        events: u64,
        db_bytes: u64,
        peak_rss_bytes: Option<u64>,
        create_fsyncs_per_s: Option<f64>,
    ) -> Sizing {
        Sizing {
            server,
            events,
            accounts: self.accounts,
            records: self.records,
            load_s: self.load_s,
            db_bytes,
            db_bytes_per_million_events: db_bytes as f64 * 1e6 / events.max(1) as f64,
            peak_rss_bytes,
            create_fsyncs_per_s,
        }
    }
}

/// Loads `db` (a SQLite path or a PostgreSQL URL) with `events` events.
fn load(bins: &Bins, db: &str, events: u64) -> Result<Loaded> {
    eprintln!("bench: loading {} events", group(events));
    let started = Instant::now();
    let mut cmd = Command::new(&bins.helper);
    cmd.args(["load", "--db", db, "--events", &events.to_string()]);
    let line = procs::run_bounded(cmd, Duration::from_secs(1800))?;
    let load_s = started.elapsed().as_secs_f64();
    let loaded: Value = serde_json::from_str(line.trim()).context("the loader's summary")?;
    Ok(Loaded {
        accounts: loaded["accounts"].as_u64().unwrap_or(0),
        records: loaded["records"].as_u64().unwrap_or(0),
        token: loaded["coupa_token"].as_str().context("token")?.to_owned(),
        event_id: loaded["middle_event_id"]
            .as_str()
            .context("event id")?
            .to_owned(),
        account_id: loaded["middle_account_id"].as_u64().context("account id")?,
        load_s,
    })
}

/// A sandbox serving `db`.
fn start_sandbox(bins: &Bins, db: &str) -> Result<Server> {
    let mut cmd = Command::new(&bins.sandbox);
    cmd.args(["--addr", "127.0.0.1:0", "--seed", "none", "--db", db])
        .env("RUST_LOG", "warn");
    Server::announced(cmd, Duration::from_secs(120))
}

/// The reads (events and Coupa accounts) and the bulk create, addressed to `base`.
fn scenarios(base: &str, loaded: &Loaded, events: u64) -> Result<(Vec<Scenario>, Scenario)> {
    let mut reads = event_requests(base, &loaded.event_id, events * 9 / 10);
    let create = reads.pop().context("create scenario")?;
    let bearer = format!("Bearer {}", loaded.token);
    let account = format!("{base}/api/accounts/{}", loaded.account_id);
    for (name, accept, url) in [
        (ACCOUNT_JSON, "application/json", account.clone()),
        (ACCOUNT_XML, "application/xml", account),
        (
            ACCOUNTS_FILTERED,
            "application/json",
            format!("{base}/api/accounts?segment-1=S3&limit=50"),
        ),
    ] {
        let request = Request::get(url)
            .header("Authorization", &bearer)
            .header("Accept", accept);
        reads.push((name, request));
    }
    Ok((reads, create))
}

/// Loads a SQLite database with `events` events, serves it and runs every scenario.
pub fn sandbox(
    tool: &Tool,
    bins: &Bins,
    events: u64,
    bounds: Bounds,
    scratch: &Path,
) -> Result<(Vec<Row>, Sizing)> {
    let db = scratch.join(format!("sandbox-{events}.db"));
    let db_text = db.to_str().context("database path")?.to_owned();
    let loaded = load(bins, &db_text, events)?;
    let db_bytes = file_size(&db) + file_size(&scratch.join(format!("sandbox-{events}.db-wal")));
    let server = start_sandbox(bins, &db_text)?;
    let label = sandbox_label(events);
    let (reads, create) = scenarios(&server.base(), &loaded, events)?;
    let mut rows = run_all(tool, &label, reads, bounds, scratch)?;
    // Last, since it grows the table; with the commits it took.
    let commits = || -> Option<u64> { server.get_json("/healthz").ok()?["commits"].as_u64() };
    let before = commits();
    let started = Instant::now();
    rows.extend(run_all(tool, &label, vec![create], bounds, scratch)?);
    let elapsed = started.elapsed().as_secs_f64();
    let create_fsyncs_per_s = before
        .zip(commits())
        .map(|(before, after)| after.saturating_sub(before) as f64 / elapsed.max(1e-9));
    let peak_rss_bytes = server.peak_rss();
    drop(server);
    let _ = std::fs::remove_file(&db);
    let sizing = loaded.sizing(label, events, db_bytes, peak_rss_bytes, create_fsyncs_per_s);
    Ok((rows, sizing))
}

/// The server label of a run on PostgreSQL with `replicas` sandboxes.
pub fn postgres_label(events: u64, replicas: usize) -> String {
    let replicas = match replicas {
        1 => "1 replica".to_owned(),
        n => format!("{n} replicas"),
    };
    format!(
        "sandbox on PostgreSQL, {replicas}, {} events",
        group(events)
    )
}

/// Loads a database of `cluster` with `events` events and runs every scenario against one
/// sandbox, then against two sandboxes on the same database with the load spread over them
/// by the load tool ([`Tool::run_spread`]). Every read runs before either bulk create, so
/// all reads see the loaded rows only.
pub fn postgres(
    tool: &Tool,
    bins: &Bins,
    cluster: &Cluster,
    events: u64,
    bounds: Bounds,
    scratch: &Path,
) -> Result<(Vec<Row>, Vec<Sizing>)> {
    let name = format!("bench_{events}");
    let url = cluster.database(&name)?;
    let loaded = load(bins, &url, events)?;
    let db_bytes = cluster.size(&name).unwrap_or(0);
    let (one, two) = (postgres_label(events, 1), postgres_label(events, 2));
    let first = start_sandbox(bins, &url)?;
    let (reads, create) = scenarios(&first.base(), &loaded, events)?;
    let mut rows = run_all(tool, &one, reads.clone(), bounds, scratch)?;
    let second = start_sandbox(bins, &url)?;
    let replicas = [first.addr, second.addr];
    let spread = |scenarios| {
        run_each(&two, scenarios, |request| {
            tool.run_spread(request, &replicas, bounds, scratch)
        })
    };
    let mut rows_two = spread(reads)?;
    // The creates, last: each fsync is a WAL flush of the cluster (`pg_stat_wal`).
    let create_run = |rows: &mut Vec<Row>, two_replicas: bool| -> Result<Option<f64>> {
        let before = cluster.wal_syncs();
        let started = Instant::now();
        if two_replicas {
            rows.extend(spread(vec![create.clone()])?);
        } else {
            rows.extend(run_all(tool, &one, vec![create.clone()], bounds, scratch)?);
        }
        let elapsed = started.elapsed().as_secs_f64();
        Ok(before
            .zip(cluster.wal_syncs())
            .map(|(before, after)| after.saturating_sub(before) as f64 / elapsed.max(1e-9)))
    };
    let fsyncs_one = create_run(&mut rows, false)?;
    let fsyncs_two = create_run(&mut rows_two, true)?;
    rows.extend(rows_two);
    let rss_one = first.peak_rss();
    let rss_two = rss_one.max(second.peak_rss());
    drop((first, second));
    let _ = cluster.query("postgres", &format!("DROP DATABASE {name}"));
    let sizing = |server, peak_rss_bytes, create_fsyncs_per_s| {
        loaded.sizing(
            server,
            events,
            db_bytes,
            peak_rss_bytes,
            create_fsyncs_per_s,
        )
    };
    Ok((
        rows,
        vec![
            sizing(one, rss_one, fsyncs_one),
            sizing(two, rss_two, fsyncs_two),
        ],
    ))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Prism under `peers` (`npm install --prefix <peers> @stoplight/prism-cli`), if it and
/// `npx` are there.
pub fn find_prism(peers: &Path) -> Option<PathBuf> {
    procs::which("npx")?;
    let prism = peers.join("node_modules/.bin/prism");
    prism.is_file().then_some(prism)
}

/// A Prism mock of the bundled events spec, with the events scenarios.
pub fn prism(
    tool: &Tool,
    prism: &Path,
    spec: &Path,
    bounds: Bounds,
    scratch: &Path,
) -> Result<Vec<Row>> {
    let port = procs::free_port()?;
    let mut cmd = Command::new(prism);
    cmd.args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(spec);
    let server = Server::on_port(cmd, port, Duration::from_secs(120))?;
    let base = server.base();
    let scenarios = event_requests(&base, "9219595375673293031", 900);
    let rows = run_all(tool, "Prism mock", scenarios, bounds, scratch)?;
    for row in &rows {
        if row.result.requests > 0 && row.result.failures == row.result.requests {
            bail!(
                "Prism answered every {} request with an error",
                row.scenario
            );
        }
    }
    Ok(rows)
}
