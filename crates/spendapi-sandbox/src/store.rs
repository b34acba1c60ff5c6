//! All SQL of the sandbox. Resources are rows: a key, indexed columns for the attributes that
//! are looked up or filtered on, and `doc`, the wire document as JSON text.
//!
//! Two backends behind one [`Store`]: embedded SQLite (a file or `:memory:`, the default) and
//! PostgreSQL (a `postgres://` URL), both through sqlx, and on a SQLite file the hot reads
//! through rusqlite in the request's own task ([`Readers`]). The SQL is shared: statements are
//! written through [`Sql`] (sqlx's [`QueryBuilder`], which writes each backend's placeholders,
//! `?` or `$1`, or [`Plain`] text for rusqlite), and use
//! only what both understand (`INSERT … ON CONFLICT … DO UPDATE`, `UPDATE … RETURNING`). What
//! differs is in [`Dialect`] (how a value is bound: PostgreSQL has native `TIMESTAMPTZ`,
//! `BOOLEAN`; the row-lock suffix) and in the locking below. Each backend has its own
//! migrations (`migrations/sqlite`, `migrations/postgres`).
//!
//! Durability: a write is acknowledged only after its transaction commits; SQLite runs WAL with
//! `synchronous=FULL` and PostgreSQL its default `fsync`/`synchronous_commit`, so `kill -9` (or
//! a power cut) never loses an acknowledged write.
//!
//! Concurrency, SQLite: every write runs on the single writer connection, one request at a
//! time, so two requests never interleave their read-modify-write; concurrent requests share
//! one transaction and one fsync, each in its own savepoint, and each is acknowledged only
//! after that transaction commits ([`crate::group`]). Readers use their own pool and see only
//! committed data (WAL).
//!
//! Concurrency, PostgreSQL (any number of sandbox processes on one database): writes run at
//! READ COMMITTED with row locks. Every read inside a write transaction is `SELECT … FOR
//! UPDATE`, so a concurrent read-modify-write of the same row in another process waits for
//! the first to commit and then reads its result; ids and numbers come from `counters` rows
//! updated in the writing transaction (`UPDATE … RETURNING` locks the row), so they are handed
//! out once and in order. Row locks rather than SERIALIZABLE: every write here reads a few
//! rows by key and writes them back, which row locks make safe without aborting the loser
//! (a retry would have to replay the whole handler), and a bulk write locks its rows in key
//! order first ([`Tx::lock`]) so two bulk writes wait for each other instead of deadlocking.
//! Reset and seeding replace every row: they hold a transaction-scoped advisory lock
//! exclusively ([`Store::begin_exclusive`]) while every other write transaction holds it shared
//! ([`Store::begin`]), so a reset waits for the writes in flight and later writes wait for the
//! reset; readers see the data before or after it, never half of it (a page and its count are
//! read in one snapshot, [`Store::page`]).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Timelike, Utc};
use rusqlite::OptionalExtension;
use rusqlite::types::{ToSql, ToSqlOutput};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Database, Postgres, QueryBuilder, Row, Sqlite, Transaction};

use crate::group::{Group, Member};
use crate::readers::Readers;

/// How a column is typed and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bool,
    /// An instant: `TIMESTAMPTZ` on PostgreSQL, fixed-width UTC text on SQLite.
    Time,
}

/// An indexed column, filled from the document's attribute at `attr` (a wire name, or
/// `association/attribute`, or a hidden `_key` the sandbox keeps beside the wire elements).
#[derive(Debug)]
pub struct Column {
    pub attr: &'static str,
    pub column: &'static str,
    pub kind: Kind,
}

/// A resource table.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// The key column; its value is the document's `key_attr`.
    pub key: &'static str,
    pub key_attr: &'static str,
    pub key_kind: Kind,
    pub columns: &'static [Column],
    /// Columns whose rows are counted per value by the `counts` triggers (migrations
    /// `*_counted_totals.sql`, which must list the same ones); a table with any also has its
    /// row count there. An index's total for no filter, or for equality on one of these, is
    /// then one row read instead of a scan.
    pub counted: &'static [&'static str],
    /// Columns besides the key declared `NOT NULL UNIQUE` in the migrations: ordering by one
    /// of them is already total and has no NULLs to place (see [`select_sql`]).
    pub unique: &'static [&'static str],
}

impl Table {
    pub fn column_for(&self, attr: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.attr == attr)
    }
}

/// A value bound into SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Int(i64),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
    /// A null of the column's kind (PostgreSQL types every parameter).
    Null(Kind),
}

/// A comparison pushed down to SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlOp {
    Eq,
    NotEq,
    Gt,
    Lt,
    GtOrEq,
    LtOrEq,
    /// Text operators (case-sensitive).
    Contains,
    StartsWith,
    EndsWith,
    /// `blank=true|false`: missing, null or (text) empty.
    Blank(bool),
}

/// One predicate on an indexed column.
#[derive(Debug, Clone)]
pub struct Pred {
    pub column: &'static str,
    pub op: SqlOp,
    pub value: Bind,
}

/// A `SELECT doc` over one table.
#[derive(Debug, Clone, Default)]
pub struct Select {
    pub preds: Vec<Pred>,
    /// Column and descending; the key breaks ties.
    pub order: Option<(&'static str, bool)>,
    /// `LIMIT`, `OFFSET`.
    pub page: Option<(i64, i64)>,
}

pub const ACCOUNT_TYPES: Table = Table {
    name: "account_types",
    key: "id",
    key_attr: "id",
    key_kind: Kind::Int,
    columns: &[Column {
        attr: "name",
        column: "name",
        kind: Kind::Text,
    }],
    counted: &[],
    unique: &[],
};

pub const ACCOUNTS: Table = Table {
    name: "accounts",
    key: "id",
    key_attr: "id",
    key_kind: Kind::Int,
    columns: &[
        Column {
            attr: "id",
            column: "id",
            kind: Kind::Int,
        },
        Column {
            attr: "account-type-id",
            column: "account_type_id",
            kind: Kind::Int,
        },
        Column {
            attr: "code",
            column: "code",
            kind: Kind::Text,
        },
        Column {
            attr: "name",
            column: "name",
            kind: Kind::Text,
        },
        Column {
            attr: "active",
            column: "active",
            kind: Kind::Bool,
        },
        Column {
            attr: "segment-1",
            column: "segment_1",
            kind: Kind::Text,
        },
        Column {
            attr: "updated-at",
            column: "updated_at",
            kind: Kind::Time,
        },
    ],
    counted: &["segment_1"],
    unique: &[],
};

pub const DELEGATIONS: Table = Table {
    name: "delegations",
    key: "id",
    key_attr: "id",
    key_kind: Kind::Int,
    columns: &[
        Column {
            attr: "id",
            column: "id",
            kind: Kind::Int,
        },
        Column {
            attr: "delegator-id",
            column: "delegator_id",
            kind: Kind::Int,
        },
        Column {
            attr: "delegate-id",
            column: "delegate_id",
            kind: Kind::Int,
        },
        Column {
            attr: "updated-at",
            column: "updated_at",
            kind: Kind::Time,
        },
    ],
    counted: &[],
    unique: &[],
};

pub const RECORDS: Table = Table {
    name: "integration_history_records",
    key: "id",
    key_attr: "id",
    key_kind: Kind::Int,
    columns: &[
        Column {
            attr: "id",
            column: "id",
            kind: Kind::Int,
        },
        Column {
            attr: "document-type",
            column: "document_type",
            kind: Kind::Text,
        },
        Column {
            attr: "document-id",
            column: "document_id",
            kind: Kind::Int,
        },
        Column {
            attr: "status",
            column: "status",
            kind: Kind::Text,
        },
        Column {
            attr: "resolved",
            column: "resolved",
            kind: Kind::Bool,
        },
        Column {
            attr: "updated-at",
            column: "updated_at",
            kind: Kind::Time,
        },
    ],
    counted: &[],
    unique: &[],
};

pub const EVENTS: Table = Table {
    name: "events",
    key: "id",
    key_attr: "id",
    key_kind: Kind::Text,
    columns: &[
        Column {
            attr: "id",
            column: "id",
            kind: Kind::Text,
        },
        Column {
            attr: "event-number",
            column: "event_number",
            kind: Kind::Int,
        },
        Column {
            attr: "market-id",
            column: "market_id",
            kind: Kind::Text,
        },
        Column {
            attr: "state",
            column: "state",
            kind: Kind::Text,
        },
        Column {
            attr: "name",
            column: "name",
            kind: Kind::Text,
        },
        Column {
            attr: "_updated-at",
            column: "updated_at",
            kind: Kind::Time,
        },
    ],
    counted: &["state"],
    unique: &["event_number"],
};

pub const ALLOCATIONS: Table = Table {
    name: "allocations",
    key: "allocation_id",
    key_attr: "allocationId",
    key_kind: Kind::Text,
    columns: &[
        Column {
            attr: "_userId",
            column: "user_id",
            kind: Kind::Text,
        },
        Column {
            attr: "_reportId",
            column: "report_id",
            kind: Kind::Text,
        },
        Column {
            attr: "expenseId",
            column: "expense_id",
            kind: Kind::Text,
        },
        Column {
            attr: "isSystemAllocation",
            column: "is_system",
            kind: Kind::Bool,
        },
    ],
    counted: &[],
    unique: &[],
};

/// The attribute at `attr` in `doc`: a top-level name, or `association/attribute`.
pub fn attr<'a>(doc: &'a Value, attr: &str) -> Option<&'a Value> {
    let mut node = doc;
    for part in attr.split('/') {
        node = node.get(part)?;
    }
    (!node.is_null()).then_some(node)
}

/// A datetime written with any offset, as an instant (microseconds: what PostgreSQL's
/// `TIMESTAMPTZ` keeps, so both backends compare the same values).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000)
}

/// The SQLite column form of an instant: UTC with exactly six fractional digits, so that
/// text order is time order (`…:11.000000Z` < `…:11.500000Z`; with variable digits `…:11Z`
/// sorted after `…:11.5Z`).
pub fn time_text(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The value bound for `kind` from a document attribute.
fn bind_of(value: Option<&Value>, kind: Kind) -> Bind {
    let Some(value) = value else {
        return Bind::Null(kind);
    };
    match kind {
        Kind::Int => value
            .as_i64()
            .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
            .map(Bind::Int)
            .unwrap_or(Bind::Null(kind)),
        Kind::Bool => value.as_bool().map(Bind::Bool).unwrap_or(Bind::Null(kind)),
        Kind::Text => Bind::Text(match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        Kind::Time => value
            .as_str()
            .and_then(parse_time)
            .map(Bind::Time)
            .unwrap_or(Bind::Null(kind)),
    }
}

/// What differs between the two backends when a statement is built.
pub trait Dialect: Database {
    /// Binds `value` as this backend stores its kind.
    fn bind(builder: &mut QueryBuilder<'_, Self>, value: Bind);
    /// Appended to a read inside a write transaction: the rows stay locked until commit.
    /// SQLite has a single writer, so there is nothing to lock.
    const FOR_UPDATE: &'static str;
    /// The function giving the position of a substring (`f(text, part)`, 0 when absent).
    const POSITION: &'static str;
}

impl Dialect for Sqlite {
    fn bind(builder: &mut QueryBuilder<'_, Sqlite>, value: Bind) {
        match value {
            Bind::Int(v) => builder.push_bind(v),
            Bind::Text(v) => builder.push_bind(v),
            Bind::Bool(v) => builder.push_bind(v),
            Bind::Time(v) => builder.push_bind(time_text(&v)),
            Bind::Null(_) => builder.push_bind(Option::<String>::None),
        };
    }
    const FOR_UPDATE: &'static str = "";
    const POSITION: &'static str = "instr";
}

/// Text PostgreSQL can store: it refuses NUL in `TEXT`, so a NUL (from a client's filter,
/// path or form) becomes U+FFFD in the indexed columns and look-ups, rather than failing the
/// statement. Documents keep it (JSON escapes it), and filters whose argument holds NUL or
/// U+FFFD are evaluated on the documents (`query::pushdown`), so answers are exact.
pub fn storable(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{FFFD}")
    } else {
        text
    }
}

impl Dialect for Postgres {
    fn bind(builder: &mut QueryBuilder<'_, Postgres>, value: Bind) {
        // PostgreSQL types every parameter: a NULL is bound with its column's type.
        match value {
            Bind::Int(v) => builder.push_bind(v),
            Bind::Text(v) => builder.push_bind(storable(v)),
            Bind::Bool(v) => builder.push_bind(v),
            Bind::Time(v) => builder.push_bind(v),
            Bind::Null(Kind::Int) => builder.push_bind(Option::<i64>::None),
            Bind::Null(Kind::Bool) => builder.push_bind(Option::<bool>::None),
            Bind::Null(Kind::Time) => builder.push_bind(Option::<DateTime<Utc>>::None),
            Bind::Null(Kind::Text) => builder.push_bind(Option::<String>::None),
        };
    }
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const POSITION: &'static str = "strpos";
}

/// A key value of a table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Text(String),
}

impl From<i64> for Key {
    fn from(v: i64) -> Key {
        Key::Int(v)
    }
}

impl From<&str> for Key {
    fn from(v: &str) -> Key {
        Key::Text(v.to_owned())
    }
}

impl From<&Key> for Bind {
    fn from(key: &Key) -> Bind {
        match key {
            Key::Int(v) => Bind::Int(*v),
            Key::Text(v) => Bind::Text(v.clone()),
        }
    }
}

fn parse_doc(text: &str) -> Result<Value> {
    serde_json::from_str(text).context("reading a stored document")
}

/// The most index entries a page read on SQLite may walk and still run inline
/// ([`Readers::snapshot`]): about a millisecond here.
const SHORT_WALK: i64 = 20_000;

/// The key of the transaction-scoped advisory lock that orders reset and seeding against
/// every other write (PostgreSQL; any constant the sandbox alone uses).
const RESET_LOCK: i64 = 0x5350_454e_4441_5049; // "SPENDAPI"

/// How long a request waits for a PostgreSQL connection, and how long one statement may run:
/// with the database gone, a request fails (503) well before a client's or proxy's timeout.
const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
const PG_STATEMENT_TIMEOUT_MS: &str = "10000";

/// The database.
///
/// An enum rather than a trait: the set of backends is closed and small, handlers keep one
/// concrete `Store`/[`Tx`] (no generic parameter through every API implementation, no boxed
/// futures for async methods behind `dyn`), and every method is one `match` whose arms share
/// their SQL text (see [`on_pool!`] and [`on_tx!`]), so a method cannot exist for one backend
/// only.
#[derive(Clone, Debug)]
pub enum Store {
    /// A reader pool and the single writer connection, shared by concurrent writes through
    /// group commit ([`Group`]); for a file, also the readers that run in the request's task
    /// ([`Readers`]), which serve the hot reads (by key, pages, counts, tokens) instead of the
    /// pool.
    Sqlite {
        read: SqlitePool,
        write: Group,
        inline: Option<Arc<Readers>>,
    },
    /// A reader pool and a writer pool. PostgreSQL takes many writers; the pools are separate
    /// because a handler may read through the store while its write transaction holds a
    /// connection, and with one shared pool enough such requests would wait on each other
    /// for the last free connection.
    Postgres { read: PgPool, write: PgPool },
}

/// Runs `$body` with `$pool` bound to the pool readers use, once per backend (the body is
/// written once; each arm type-checks it against its own driver).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite { read: $pool, .. } => $body,
            Store::Postgres { read: $pool, .. } => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection, once per backend.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.tx {
            Inner::Sqlite(member) => {
                let $conn = member.conn();
                $body
            }
            Inner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Whether `db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// `db` fit for a log line or the banner: a URL's password (in the user info or a
/// `password=` parameter) replaced by `***`.
pub fn redacted(db: &str) -> String {
    if !is_postgres(db) {
        return db.to_owned();
    }
    let (scheme, rest) = db.split_once("://").unwrap_or(("", db));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => {
                        format!("{name}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Whether `err` means the database could not be reached (as opposed to a bad statement or
/// a bug): connection refused or lost, pool timed out, server shutting down or not accepting
/// connections yet. These are answered 503; the pool reconnects once the database is back.
pub fn is_unavailable(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| match cause.downcast_ref::<sqlx::Error>() {
            Some(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Tls(_),
            ) => true,
            Some(sqlx::Error::Database(db)) => db.code().is_some_and(|code| {
                // Class 08: connection exception; 57P01-57P03: shutdown, crash, starting up;
                // 53300: too many connections.
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
            }),
            _ => false,
        })
}

impl Store {
    /// Opens `db`, a `postgres://` URL or a SQLite file (created if needed; `:memory:` for a
    /// private in-memory one), and applies the migrations.
    pub async fn open(db: &str) -> Result<Store> {
        if is_postgres(db) {
            Store::open_postgres(db).await
        } else {
            Store::open_sqlite(db).await
        }
    }

    async fn open_postgres(url: &str) -> Result<Store> {
        let shown = redacted(url);
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("reading the database URL {shown}"))?
            .options([("statement_timeout", PG_STATEMENT_TIMEOUT_MS)]);
        let pool = || {
            PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(PG_ACQUIRE_TIMEOUT)
        };
        let write = pool()
            .connect_with(options.clone())
            .await
            .with_context(|| format!("connecting to {shown}"))?;
        let read = pool().connect_lazy_with(options);
        // sqlx holds an advisory lock while it migrates: replicas starting together apply
        // each migration once.
        sqlx::migrate!("./migrations/postgres")
            .run(&write)
            .await
            .context("applying the migrations")?;
        Ok(Store::Postgres { read, write })
    }

    async fn open_sqlite(path: &str) -> Result<Store> {
        let memory = path == ":memory:";
        let options = if memory {
            SqliteConnectOptions::from_str("sqlite::memory:")?
        } else {
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
        }
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30));
        // No liveness test when a connection leaves the pool (sqlx's default sends a ping
        // first): a SQLite connection is a file handle in this process, not a socket that can
        // die, and the ping is a second round trip to sqlx's connection worker thread on every
        // read. Profiled on show-by-id: the ping was 14 % of the sandbox's CPU samples, the
        // query itself 7 % (README, "Where the time goes").
        let single = || {
            SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        };
        let write = single()
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening {path}"))?;
        // An in-memory database lives in its one connection: readers share it.
        let read = if memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(4)
                .connect_with(options.read_only(true))
                .await
                .with_context(|| format!("opening {path} for reading"))?
        };
        sqlx::migrate!("./migrations/sqlite")
            .run(&write)
            .await
            .context("applying the migrations")?;
        let inline = if memory {
            None
        } else {
            Some(Arc::new(Readers::open(Path::new(path))?))
        };
        Ok(Store::Sqlite {
            read,
            write: Group::new(write),
            inline,
        })
    }

    /// After a bulk load, on PostgreSQL: gathers the planner's statistics at once (`ANALYZE`)
    /// rather than when autovacuum next gets to the tables, so that what is measured right
    /// after a load is planned from the loaded rows, not from the empty tables' statistics,
    /// as it would be a minute later. SQLite keeps no statistics unless asked and plans from
    /// its indexes alone; nothing to do there.
    pub async fn analyze(&self) -> Result<()> {
        if let Store::Postgres { write, .. } = self {
            sqlx::query("ANALYZE")
                .execute(write)
                .await
                .context("ANALYZE")?;
        }
        Ok(())
    }

    /// A bound on the rows of `table` for deciding how to run a read: its kept row count, or
    /// `i64::MAX` for a table whose rows are not counted.
    fn rows_at_most(&self, readers: &Readers, table: &Table) -> Result<i64> {
        if table.counted.is_empty() {
            return Ok(i64::MAX);
        }
        let sql: Plain = kept_count_sql(table, ("", ""));
        Ok(readers.point(|conn| sql.first(conn))?.unwrap_or(0))
    }

    /// The in-task readers, on a SQLite file.
    fn inline(&self) -> Option<&Readers> {
        match self {
            Store::Sqlite { inline, .. } => inline.as_deref(),
            Store::Postgres { .. } => None,
        }
    }

    /// Closes every connection and waits for it. On SQLite the readers go first and the
    /// writer last: the last connection to close checkpoints the WAL into the file and removes
    /// it, which a process that exits with its connections open (or a read-only connection)
    /// does not, leaving a WAL as large as the last load beside the file.
    pub async fn close(&self) {
        match self {
            Store::Sqlite {
                read,
                write,
                inline,
            } => {
                if let Some(readers) = inline {
                    readers.close();
                }
                read.close().await;
                write.close().await;
            }
            Store::Postgres { read, write } => {
                read.close().await;
                write.close().await;
            }
        }
    }

    /// Which backend this is, for logs and tests.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite { .. } => "sqlite",
            Store::Postgres { .. } => "postgres",
        }
    }

    /// How many write transactions this process has committed on SQLite (each one fsync;
    /// with group commit, one per group of concurrent writes); `None` on PostgreSQL.
    pub fn commits(&self) -> Option<u64> {
        match self {
            Store::Sqlite { write, .. } => Some(write.commits()),
            Store::Postgres { .. } => None,
        }
    }

    /// Whether the database answers, within a second (a health check must not take as long
    /// as the request it vouches for).
    pub async fn ping(&self) -> Result<()> {
        let ping = async {
            on_pool!(self, pool => {
                sqlx::query("SELECT 1").execute(pool).await?;
            });
            anyhow::Ok(())
        };
        tokio::time::timeout(Duration::from_secs(1), ping)
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the database did not answer within 1 s")))
    }

    /// Starts a write transaction (on PostgreSQL, holding the reset lock shared).
    pub async fn begin(&self) -> Result<Tx> {
        self.start("pg_advisory_xact_lock_shared").await
    }

    /// Starts a write transaction that excludes every other writer (reset and seeding).
    pub async fn begin_exclusive(&self) -> Result<Tx> {
        self.start("pg_advisory_xact_lock").await
    }

    async fn start(&self, lock: &str) -> Result<Tx> {
        let tx = match self {
            Store::Sqlite { write, .. } => Inner::Sqlite(write.begin().await?),
            Store::Postgres { write, .. } => {
                let mut tx = write.begin().await.context("starting a transaction")?;
                sqlx::query(&format!("SELECT {lock}($1)"))
                    .bind(RESET_LOCK)
                    .execute(&mut *tx)
                    .await
                    .context("taking the reset lock")?;
                Inner::Postgres(tx)
            }
        };
        Ok(Tx { tx })
    }

    /// The document stored under `key`.
    pub async fn get(&self, table: &Table, key: &Key) -> Result<Option<Value>> {
        self.get_text(table, key)
            .await?
            .map(|text| parse_doc(&text))
            .transpose()
    }

    /// The stored text of the document under `key`, unparsed: for a reader that types it
    /// directly (show-by-id), skipping the `Value` in between.
    pub async fn get_text(&self, table: &Table, key: &Key) -> Result<Option<String>> {
        if let Some(readers) = self.inline() {
            let sql: Plain = by_key("SELECT doc", table, key, "");
            return readers.point(|conn| sql.first(conn));
        }
        on_pool!(self, pool => {
            let row = by_key::<Builder<_>>("SELECT doc", table, key, "").build().fetch_optional(pool).await?;
            Ok(row.map(|r| r.get::<String, _>(0)))
        })
    }

    /// The documents matching `select`, in its order and page.
    pub async fn list(&self, table: &Table, select: &Select) -> Result<Vec<Value>> {
        if let Some(readers) = self.inline() {
            let sql: Plain = select_sql("SELECT doc", table, select);
            let texts = readers.snapshot(true, |conn| sql.texts(conn))?;
            return texts.iter().map(|text| parse_doc(text)).collect();
        }
        on_pool!(self, pool => {
            let rows = select_sql::<Builder<_>>("SELECT doc", table, select).build().fetch_all(pool).await?;
            rows.iter()
                .map(|r| parse_doc(&r.get::<String, _>(0)))
                .collect()
        })
    }

    /// One page of `select` and how many rows match its predicates, read in one snapshot (a
    /// reset or write committing in between cannot make the two disagree).
    pub async fn page(&self, table: &Table, select: &Select) -> Result<(Vec<Value>, i64)> {
        if let Some(readers) = self.inline() {
            let rows: Plain = select_sql("SELECT doc", table, select);
            let kept = counted(table, &select.preds);
            let count: Plain = match kept {
                Some(kept) => kept_count_sql(table, kept),
                None => count_sql(table, &select.preds),
            };
            // What the read may walk: the skipped rows, and for a total that is not kept, every
            // match (at most the table's kept row count; unknown for an uncounted table).
            let offset = select.page.map_or(0, |(_, offset)| offset);
            let matches = match kept {
                Some(_) => 0,
                None => self.rows_at_most(readers, table)?,
            };
            let long = offset.saturating_add(matches) > SHORT_WALK;
            // One read transaction: one snapshot for the page and its total.
            let (texts, total) = readers.snapshot(long, |conn| {
                let texts = rows.texts(conn)?;
                let total = count.first::<i64>(conn)?.unwrap_or(0);
                Ok((texts, total))
            })?;
            let docs = texts
                .iter()
                .map(|text| parse_doc(text))
                .collect::<Result<_>>()?;
            return Ok((docs, total));
        }
        macro_rules! both {
            ($tx:ident) => {{
                let rows = select_sql::<Builder<_>>("SELECT doc", table, select)
                    .build()
                    .fetch_all(&mut *$tx)
                    .await?;
                let docs = rows
                    .iter()
                    .map(|r| parse_doc(&r.get::<String, _>(0)))
                    .collect::<Result<Vec<_>>>()?;
                let total: i64 = match counted(table, &select.preds) {
                    Some(kept) => {
                        let mut count: Builder<_> = kept_count_sql(table, kept);
                        let row = count.build().fetch_optional(&mut *$tx).await?;
                        row.map_or(0, |r| r.get(0))
                    }
                    None => {
                        let mut count: Builder<_> = count_sql(table, &select.preds);
                        count.build().fetch_one(&mut *$tx).await?.get(0)
                    }
                };
                $tx.commit().await?;
                Ok((docs, total))
            }};
        }
        match self {
            // A read transaction on a WAL database reads one snapshot.
            Store::Sqlite { read, .. } => {
                let mut tx = read.begin().await?;
                both!(tx)
            }
            Store::Postgres { read, .. } => {
                let mut tx = read.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                both!(tx)
            }
        }
    }

    /// The documents matching `preds` whose key is greater than `after`, in key order, at
    /// most `limit` of them (a scan in bounded batches).
    pub async fn batch(
        &self,
        table: &Table,
        preds: &[Pred],
        after: Option<&Key>,
        limit: i64,
    ) -> Result<Vec<(Key, Value)>> {
        let mut preds = preds.to_vec();
        if let Some(after) = after {
            preds.push(Pred {
                column: table.key,
                op: SqlOp::Gt,
                value: after.into(),
            });
        }
        let select = Select {
            preds,
            order: None,
            page: Some((limit, 0)),
        };
        let docs = self.list(table, &select).await?;
        Ok(docs
            .into_iter()
            .map(|doc| {
                let key = match doc.get(table.key_attr) {
                    Some(Value::Number(n)) if table.key_kind == Kind::Int => {
                        Key::Int(n.as_i64().unwrap_or_default())
                    }
                    Some(Value::String(s)) if table.key_kind == Kind::Int => {
                        Key::Int(s.parse().unwrap_or_default())
                    }
                    Some(Value::String(s)) => Key::Text(s.clone()),
                    Some(other) => Key::Text(other.to_string()),
                    None => Key::Text(String::new()),
                };
                (key, doc)
            })
            .collect())
    }

    /// How many rows match `preds`.
    pub async fn count(&self, table: &Table, preds: &[Pred]) -> Result<i64> {
        if let Some(readers) = self.inline() {
            let sql: Plain = count_sql(table, preds);
            return readers.snapshot(true, |conn| Ok(sql.first(conn)?.unwrap_or(0)));
        }
        on_pool!(self, pool => {
            let mut builder: Builder<_> = count_sql(table, preds);
            Ok(builder.build().fetch_one(pool).await?.get(0))
        })
    }

    /// The scopes and client of an unexpired token of `kind`. Tokens are rows, read on every
    /// request (no cache): a token any replica issued is valid on every other, and one that
    /// expired or was taken is refused by all of them at once.
    pub async fn token(
        &self,
        kind: &str,
        token: &str,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        if let Some(readers) = self.inline() {
            let sql: Plain = token_sql(kind, token, now);
            return readers.point(|conn| sql.first_row(conn, |row| Ok((row.get(0)?, row.get(1)?))));
        }
        on_pool!(self, pool => {
            let mut builder: Builder<_> = token_sql(kind, token, now);
            let row = builder.build().fetch_optional(pool).await?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        })
    }
}

/// A statement being written: sqlx's [`QueryBuilder`] for either backend, or [`Plain`] text and
/// binds for the in-task SQLite readers ([`Readers`]). The statement builders below write to
/// either, so every read has one SQL text whichever path runs it.
trait Sql {
    /// A statement starting with `head`.
    fn start(head: String) -> Self;
    fn sql(&mut self, text: &str);
    fn value(&mut self, value: Bind);
    /// The function giving the position of a substring (`f(text, part)`, 0 when absent).
    const POSITION: &'static str;
}

type Builder<DB> = QueryBuilder<'static, DB>;

impl<DB: Dialect> Sql for Builder<DB> {
    fn start(head: String) -> Self {
        QueryBuilder::new(head)
    }
    fn sql(&mut self, text: &str) {
        self.push(text);
    }
    fn value(&mut self, value: Bind) {
        DB::bind(self, value);
    }
    const POSITION: &'static str = DB::POSITION;
}

/// A SQLite statement as text with `?` placeholders and the values they stand for, bound as
/// [`Dialect::bind`] binds them for SQLite (see the [`ToSql`] impl).
#[derive(Debug)]
struct Plain {
    text: String,
    binds: Vec<Bind>,
}

impl Sql for Plain {
    fn start(head: String) -> Self {
        Plain {
            text: head,
            binds: Vec::new(),
        }
    }
    fn sql(&mut self, text: &str) {
        self.text.push_str(text);
    }
    fn value(&mut self, value: Bind) {
        self.text.push('?');
        self.binds.push(value);
    }
    const POSITION: &'static str = <Sqlite as Dialect>::POSITION;
}

impl ToSql for Bind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Bind::Int(v) => ToSqlOutput::from(*v),
            Bind::Text(v) => ToSqlOutput::from(v.as_str()),
            Bind::Bool(v) => ToSqlOutput::from(*v),
            Bind::Time(v) => ToSqlOutput::from(time_text(v)),
            Bind::Null(_) => ToSqlOutput::from(rusqlite::types::Null),
        })
    }
}

impl Plain {
    /// Every row's first column, as text.
    fn texts(&self, conn: &rusqlite::Connection) -> Result<Vec<String>> {
        let mut statement = conn.prepare_cached(&self.text)?;
        let rows = statement.query_map(rusqlite::params_from_iter(&self.binds), |row| {
            row.get::<_, String>(0)
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The first row's first column, if there is a row.
    fn first<T: rusqlite::types::FromSql>(&self, conn: &rusqlite::Connection) -> Result<Option<T>> {
        self.first_row(conn, |row| row.get(0))
    }

    /// The first row, read by `read`, if there is a row.
    fn first_row<T>(
        &self,
        conn: &rusqlite::Connection,
        read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        let mut statement = conn.prepare_cached(&self.text)?;
        Ok(statement
            .query_row(rusqlite::params_from_iter(&self.binds), read)
            .optional()?)
    }
}

/// `<head> FROM <table> WHERE <key> = <key><tail>`.
fn by_key<S: Sql>(head: &str, table: &Table, key: &Key, tail: &str) -> S {
    let mut out = S::start(format!("{head} FROM {} WHERE {} = ", table.name, table.key));
    out.value(key.into());
    out.sql(tail);
    out
}

/// `<head> FROM <table> WHERE … ORDER BY … LIMIT … OFFSET …` for `select`.
fn select_sql<S: Sql>(head: &str, table: &Table, select: &Select) -> S {
    let mut out = S::start(format!("{head} FROM {}", table.name));
    where_clause(&mut out, &select.preds);
    let (column, desc) = select.order.unwrap_or((table.key, false));
    let dir = if desc { "DESC" } else { "ASC" };
    if column == table.key || table.unique.contains(&column) {
        // A total order without NULLs: written plainly, so that PostgreSQL walks an index in
        // that order (`NULLS FIRST` on an ascending index, or a second sort key, made it sort
        // every match: 190 ms for the first page of `state=Active` at 1,000,000 events).
        out.sql(&format!(" ORDER BY {column} {dir}"));
    } else {
        // NULLs sort first ascending, as SQLite orders them (PostgreSQL's default is last);
        // the key breaks ties.
        let nulls = if desc { "NULLS LAST" } else { "NULLS FIRST" };
        out.sql(&format!(
            " ORDER BY {column} {dir} {nulls}, {} {dir}",
            table.key
        ));
    }
    if let Some((limit, offset)) = select.page {
        out.sql(" LIMIT ");
        out.value(Bind::Int(limit));
        out.sql(" OFFSET ");
        out.value(Bind::Int(offset));
    }
    out
}

/// `SELECT COUNT(*) FROM <table> WHERE …`.
fn count_sql<S: Sql>(table: &Table, preds: &[Pred]) -> S {
    let mut out = S::start(format!("SELECT COUNT(*) FROM {}", table.name));
    where_clause(&mut out, preds);
    out
}

/// `SELECT n FROM counts …`: the kept count of `counted` ([`counted`]).
fn kept_count_sql<S: Sql>(table: &Table, (col, val): (&str, &str)) -> S {
    let mut out = S::start("SELECT n FROM counts WHERE tbl = ".to_owned());
    out.value(Bind::Text(table.name.to_owned()));
    out.sql(" AND col = ");
    out.value(Bind::Text(col.to_owned()));
    out.sql(" AND val = ");
    out.value(Bind::Text(val.to_owned()));
    out
}

/// `SELECT client_id, scopes FROM tokens …`: the unexpired token `token` of `kind` (bound as
/// each backend binds text: on PostgreSQL with a NUL made storable).
fn token_sql<S: Sql>(kind: &str, token: &str, now: i64) -> S {
    let mut out = S::start("SELECT client_id, scopes FROM tokens WHERE token = ".to_owned());
    out.value(Bind::Text(token.to_owned()));
    out.sql(" AND kind = ");
    out.value(Bind::Text(kind.to_owned()));
    out.sql(" AND expires_at > ");
    out.value(Bind::Int(now));
    out
}

fn where_clause<S: Sql>(out: &mut S, preds: &[Pred]) {
    for (i, pred) in preds.iter().enumerate() {
        out.sql(if i == 0 { " WHERE " } else { " AND " });
        pred.write(out);
    }
}

impl Pred {
    fn write<S: Sql>(&self, out: &mut S) {
        let column = self.column;
        let bind = |out: &mut S| out.value(self.value.clone());
        match self.op {
            // `blank=true`: missing, null or empty; the value carries the column's kind.
            SqlOp::Blank(blank) => {
                let text = matches!(self.value, Bind::Null(Kind::Text));
                out.sql(&match (blank, text) {
                    (true, true) => format!("({column} IS NULL OR {column} = '')"),
                    (false, true) => format!("({column} IS NOT NULL AND {column} <> '')"),
                    (true, false) => format!("{column} IS NULL"),
                    (false, false) => format!("{column} IS NOT NULL"),
                });
            }
            _ if matches!(self.value, Bind::Null(_)) => {
                out.sql(column);
                out.sql(if self.op == SqlOp::NotEq {
                    " IS NOT NULL"
                } else {
                    " IS NULL"
                });
            }
            SqlOp::Eq | SqlOp::Gt | SqlOp::Lt | SqlOp::GtOrEq | SqlOp::LtOrEq => {
                out.sql(column);
                out.sql(match self.op {
                    SqlOp::Gt => " > ",
                    SqlOp::Lt => " < ",
                    SqlOp::GtOrEq => " >= ",
                    SqlOp::LtOrEq => " <= ",
                    _ => " = ",
                });
                bind(out);
            }
            // A missing value is "not equal" too (as the in-memory filters read it).
            SqlOp::NotEq => {
                out.sql(&format!("({column} IS NULL OR {column} <> "));
                bind(out);
                out.sql(")");
            }
            // Case-sensitive on both backends (SQLite's LIKE is not, and LIKE would need
            // escaping): compare the text itself. `substr`, `length` and `instr`/`strpos`
            // count characters on both.
            SqlOp::Contains => {
                out.sql(&format!("{}({column}, ", S::POSITION));
                bind(out);
                out.sql(") > 0");
            }
            SqlOp::StartsWith => {
                out.sql(&format!("substr({column}, 1, length("));
                bind(out);
                out.sql(")) = ");
                bind(out);
            }
            SqlOp::EndsWith => {
                out.sql(&format!("length({column}) >= length("));
                bind(out);
                out.sql(&format!(
                    ") AND substr({column}, length({column}) - length("
                ));
                bind(out);
                out.sql(") + 1) = ");
                bind(out);
            }
        }
    }
}

/// The `counts` row holding the number of rows matching `preds`, if the triggers keep one:
/// no predicate (the table's row count, `col` and `val` empty) or equality on one counted
/// column.
fn counted<'a>(table: &Table, preds: &'a [Pred]) -> Option<(&'static str, &'a str)> {
    if table.counted.is_empty() {
        return None;
    }
    match preds {
        [] => Some(("", "")),
        [
            Pred {
                column,
                op: SqlOp::Eq,
                value: Bind::Text(value),
            },
        ] if table.counted.contains(column) => Some((column, value.as_str())),
        _ => None,
    }
}

/// One write transaction. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    tx: Inner,
}

enum Inner {
    /// A savepoint in the open group's transaction.
    Sqlite(Member),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.tx {
            Inner::Sqlite(member) => member.commit().await,
            Inner::Postgres(tx) => tx.commit().await.context("committing"),
        }
    }

    /// The value of counter `name`, if it exists.
    pub async fn counter(&mut self, name: &str) -> Result<Option<i64>> {
        on_tx!(self, conn => {
            let mut builder = QueryBuilder::new("SELECT value FROM counters WHERE name = ");
            builder.push_bind(name);
            let row = builder.build().fetch_optional(&mut *conn).await?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    /// The next value of counter `name` (starting after `floor` when the counter is new).
    pub async fn next(&mut self, name: &str, floor: i64) -> Result<i64> {
        self.next_block(name, floor, 1).await
    }

    /// The first of `count` consecutive values of counter `name`, reserved in one statement
    /// (a bulk create numbers its records without a round trip per record).
    pub async fn next_block(&mut self, name: &str, floor: i64, count: i64) -> Result<i64> {
        on_tx!(self, conn => {
            let mut insert = QueryBuilder::new("INSERT INTO counters (name, value) VALUES (");
            insert.push_bind(name);
            insert.push(", ");
            insert.push_bind(floor);
            insert.push(") ON CONFLICT (name) DO NOTHING");
            insert.build().execute(&mut *conn).await?;
            let mut update = QueryBuilder::new("UPDATE counters SET value = value + ");
            update.push_bind(count);
            update.push(" WHERE name = ");
            update.push_bind(name);
            update.push(" RETURNING value");
            let row = update.build().fetch_one(&mut *conn).await?;
            let last: i64 = row.get(0);
            Ok(last - count + 1)
        })
    }

    /// Raises counter `name` to at least `value` (after loading documents with their own ids).
    pub async fn raise(&mut self, name: &str, value: i64) -> Result<()> {
        on_tx!(self, conn => {
            let mut builder = QueryBuilder::new("INSERT INTO counters (name, value) VALUES (");
            builder.push_bind(name);
            builder.push(", ");
            builder.push_bind(value);
            builder.push(
                ") ON CONFLICT (name) DO UPDATE SET value = CASE WHEN counters.value < \
                 excluded.value THEN excluded.value ELSE counters.value END",
            );
            builder.build().execute(&mut *conn).await?;
            Ok(())
        })
    }

    /// The document under `key`, read inside the transaction (and locked until it ends).
    pub async fn get(&mut self, table: &Table, key: &Key) -> Result<Option<Value>> {
        on_tx!(self, conn => {
            let row = by_key::<Builder<_>>("SELECT doc", table, key, for_update(conn))
                .build()
                .fetch_optional(&mut *conn)
                .await?;
            row.map(|r| parse_doc(&r.get::<String, _>(0))).transpose()
        })
    }

    /// Locks the rows of `keys` in key order, before a write that touches several rows in
    /// the caller's order: two such writes then wait for each other instead of deadlocking.
    pub async fn lock(&mut self, table: &Table, keys: &[Key]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut keys = keys.to_vec();
        keys.sort();
        keys.dedup();
        on_tx!(self, conn => {
            let tail = for_update(conn);
            if tail.is_empty() {
                return Ok(());
            }
            let mut builder = QueryBuilder::new(format!(
                "SELECT {0} FROM {1} WHERE {0} IN (",
                table.key, table.name
            ));
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    builder.push(", ");
                }
                Dialect::bind(&mut builder, key.into());
            }
            builder.push(format!(") ORDER BY {}{tail}", table.key));
            builder.build().fetch_all(&mut *conn).await?;
            Ok(())
        })
    }

    /// The documents of `table` matching `preds`, inside the transaction (locked).
    pub async fn find(&mut self, table: &Table, preds: &[Pred]) -> Result<Vec<Value>> {
        on_tx!(self, conn => {
            let tail = for_update(conn);
            let mut builder = QueryBuilder::new(format!("SELECT doc FROM {}", table.name));
            where_clause(&mut builder, preds);
            builder.push(format!(" ORDER BY {}{tail}", table.key));
            let rows = builder.build().fetch_all(&mut *conn).await?;
            rows.iter()
                .map(|r| parse_doc(&r.get::<String, _>(0)))
                .collect()
        })
    }

    /// Inserts or replaces the row of `doc` (its key is `doc[table.key_attr]`).
    pub async fn put(&mut self, table: &Table, doc: &Value) -> Result<()> {
        self.put_many(table, std::slice::from_ref(doc)).await
    }

    /// Inserts or replaces the rows of `docs`, many rows per statement (bulk loads).
    pub async fn put_many(&mut self, table: &Table, docs: &[Value]) -> Result<()> {
        let columns: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.column != table.key)
            .collect();
        // SQLite binds at most 32,766 values per statement (PostgreSQL 65,535).
        let rows_per_statement = 30_000 / (columns.len() + 2);
        for chunk in docs.chunks(rows_per_statement) {
            on_tx!(self, conn => {
                let mut builder =
                    QueryBuilder::new(format!("INSERT INTO {} ({}", table.name, table.key));
                for c in &columns {
                    builder.push(", ");
                    builder.push(c.column);
                }
                builder.push(", doc) VALUES ");
                for (i, doc) in chunk.iter().enumerate() {
                    builder.push(if i == 0 { "(" } else { ", (" });
                    Dialect::bind(&mut builder, bind_of(doc.get(table.key_attr), table.key_kind));
                    for c in &columns {
                        builder.push(", ");
                        Dialect::bind(&mut builder, bind_of(attr(doc, c.attr), c.kind));
                    }
                    builder.push(", ");
                    builder.push_bind(doc.to_string());
                    builder.push(")");
                }
                builder.push(format!(
                    " ON CONFLICT ({}) DO UPDATE SET doc = excluded.doc",
                    table.key
                ));
                for c in &columns {
                    builder.push(format!(", {0} = excluded.{0}", c.column));
                }
                builder.build().execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Deletes the row under `key`; whether there was one.
    pub async fn delete(&mut self, table: &Table, key: &Key) -> Result<bool> {
        on_tx!(self, conn => {
            let done = by_key::<Builder<_>>("DELETE", table, key, "").build().execute(&mut *conn).await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Removes every resource row and counter (tokens stay valid).
    pub async fn clear(&mut self) -> Result<()> {
        for table in [
            "accounts",
            "account_types",
            "delegations",
            "integration_history_records",
            "events",
            "allocations",
            "counters",
        ] {
            on_tx!(self, conn => {
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(&mut *conn)
                    .await?;
            });
        }
        Ok(())
    }

    /// Stores a token.
    pub async fn put_token(
        &mut self,
        kind: &str,
        token: &str,
        client_id: &str,
        scopes: &str,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, conn => {
            let mut builder = QueryBuilder::new(
                "INSERT INTO tokens (token, kind, client_id, scopes, expires_at) ",
            );
            builder.push_values([()], |mut row, ()| {
                row.push_bind(token)
                    .push_bind(kind)
                    .push_bind(client_id)
                    .push_bind(scopes)
                    .push_bind(expires_at);
            });
            builder.build().execute(&mut *conn).await?;
            Ok(())
        })
    }

    /// Takes a token out (a refresh token is used once); its client and scopes if it was valid.
    pub async fn take_token(
        &mut self,
        kind: &str,
        token: &str,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        on_tx!(self, conn => {
            let mut builder = QueryBuilder::new("DELETE FROM tokens WHERE token = ");
            builder.push_bind(storable(token.to_owned()));
            builder.push(" AND kind = ");
            builder.push_bind(kind);
            builder.push(" AND expires_at > ");
            builder.push_bind(now);
            builder.push(" RETURNING client_id, scopes");
            let row = builder.build().fetch_optional(&mut *conn).await?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        })
    }

    /// Drops expired tokens.
    pub async fn purge_tokens(&mut self, now: i64) -> Result<()> {
        match &mut self.tx {
            Inner::Sqlite(member) => {
                sqlx::query("DELETE FROM tokens WHERE expires_at <= ?")
                    .bind(now)
                    .execute(member.conn())
                    .await?;
            }
            // Two replicas issuing tokens at once would otherwise delete the same expired
            // rows in different orders and could deadlock: each takes the rows nobody else
            // has locked (the rest are being deleted already).
            Inner::Postgres(tx) => {
                sqlx::query(
                    "DELETE FROM tokens WHERE token IN (SELECT token FROM tokens \
                     WHERE expires_at <= $1 FOR UPDATE SKIP LOCKED)",
                )
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }
}

/// The row-lock suffix for the backend of `conn`.
fn for_update<C: HasDialect>(_conn: &mut C) -> &'static str {
    C::Db::FOR_UPDATE
}

/// A connection type's [`Dialect`].
trait HasDialect {
    type Db: Dialect;
}

impl HasDialect for sqlx::SqliteConnection {
    type Db = Sqlite;
}

impl HasDialect for sqlx::PgConnection {
    type Db = Postgres;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan for `select` (one line per step).
    async fn plan(store: &Store, table: &Table, select: &Select) -> String {
        let Store::Sqlite { read, .. } = store else {
            panic!("a SQLite store");
        };
        let rows = select_sql::<Builder<Sqlite>>("EXPLAIN QUERY PLAN SELECT doc", table, select)
            .build()
            .fetch_all(read)
            .await
            .expect("plan");
        rows.iter()
            .map(|r| r.get::<String, _>(3))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn eq(column: &'static str, value: Bind) -> Pred {
        Pred {
            column,
            op: SqlOp::Eq,
            value,
        }
    }

    /// Show-by-id and filtered first pages use an index; none scans its table.
    #[tokio::test]
    async fn lookups_and_filtered_pages_use_indexes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("plan.db").display().to_string();
        let store = Store::open(&db).await.expect("open");
        let page = Some((50, 0));
        let cases = [
            (&ACCOUNTS, vec![eq("id", Bind::Int(1))], None),
            (
                &ACCOUNTS,
                vec![eq("segment_1", Bind::Text("SF".into()))],
                page,
            ),
            (&ACCOUNTS, vec![eq("code", Bind::Text("SF-1".into()))], page),
            (&EVENTS, vec![eq("id", Bind::Text("9".into()))], None),
            (
                &EVENTS,
                vec![eq("state", Bind::Text("Active".into()))],
                page,
            ),
            (
                &RECORDS,
                vec![
                    eq("document_type", Bind::Text("InvoiceHeader".into())),
                    eq("document_id", Bind::Int(4812)),
                ],
                page,
            ),
            (
                &RECORDS,
                vec![Pred {
                    column: "updated_at",
                    op: SqlOp::Gt,
                    value: Bind::Time(parse_time("2026-01-01T00:00:00Z").expect("time")),
                }],
                page,
            ),
            (
                &ALLOCATIONS,
                vec![
                    eq("user_id", Bind::Text("u".into())),
                    eq("report_id", Bind::Text("r".into())),
                ],
                None,
            ),
        ];
        for (table, preds, page) in cases {
            let select = Select {
                preds,
                order: None,
                page,
            };
            let plan = plan(&store, table, &select).await;
            // A search, or an ordered walk of an index that stops after the page; never a
            // scan of the table itself.
            assert!(plan.contains("USING"), "{}: {plan}", table.name);
            assert!(
                !plan
                    .lines()
                    .any(|line| line.starts_with("SCAN") && !line.contains("USING")),
                "{}: {plan}",
                table.name
            );
        }
        // The default order of an unfiltered page follows the key's index.
        let plan = plan(
            &store,
            &EVENTS,
            &Select {
                order: Some(("event_number", false)),
                page,
                ..Select::default()
            },
        )
        .await;
        assert!(plan.contains("USING INDEX"), "{plan}");
    }

    /// The in-task readers answer exactly as sqlx's pool does, for every predicate, order and
    /// page shape, and see a write once it is committed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inline_reads_answer_as_the_pool_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("inline.db").display().to_string();
        let store = Store::open(&db).await.expect("open");
        let Store::Sqlite {
            read,
            write,
            inline,
        } = store.clone()
        else {
            panic!("a SQLite store");
        };
        assert!(inline.is_some(), "a file store reads in the request's task");
        let pooled = Store::Sqlite {
            read,
            write,
            inline: None,
        };
        let states = ["Active", "Draft", "Closed", ""];
        let docs: Vec<Value> = (0..40_usize)
            .map(|i| {
                serde_json::json!({
                    "id": format!("{:019}", 1000 + i),
                    "event-number": i,
                    "market-id": format!("M{}", i % 3),
                    "state": states[i % 4],
                    "name": format!("Event {i} {}", if i % 2 == 0 { "even" } else { "odd" }),
                    "_updated-at": format!("2026-01-{:02}T00:00:00Z", 1 + i % 28),
                })
            })
            .collect();
        let mut tx = store.begin().await.expect("begin");
        tx.put_many(&EVENTS, &docs).await.expect("put");
        tx.commit().await.expect("commit");

        let text = |column, op, value: &str| Pred {
            column,
            op,
            value: Bind::Text(value.into()),
        };
        let preds = [
            vec![],
            vec![text("state", SqlOp::Eq, "Active")],
            vec![text("state", SqlOp::NotEq, "Active")],
            vec![Pred {
                column: "state",
                op: SqlOp::Blank(true),
                value: Bind::Null(Kind::Text),
            }],
            vec![Pred {
                column: "event_number",
                op: SqlOp::Gt,
                value: Bind::Int(25),
            }],
            vec![Pred {
                column: "updated_at",
                op: SqlOp::LtOrEq,
                value: Bind::Time(parse_time("2026-01-10T00:00:00Z").expect("time")),
            }],
            vec![text("name", SqlOp::Contains, "odd")],
            vec![text("name", SqlOp::StartsWith, "Event 1")],
            vec![
                text("name", SqlOp::EndsWith, "even"),
                text("market_id", SqlOp::Eq, "M1"),
            ],
        ];
        let shapes = [
            (None, Some((50, 0))),
            (Some(("name", true)), Some((7, 3))),
            (Some(("event_number", false)), Some((5, 2_000))),
            (Some(("updated_at", false)), None),
        ];
        for preds in &preds {
            for (order, page) in shapes {
                let select = Select {
                    preds: preds.clone(),
                    order,
                    page,
                };
                let (docs, total) = store.page(&EVENTS, &select).await.expect("inline page");
                let expected = pooled.page(&EVENTS, &select).await.expect("pool page");
                assert_eq!((&docs, total), (&expected.0, expected.1), "{select:?}");
                assert_eq!(
                    store.list(&EVENTS, &select).await.expect("inline list"),
                    expected.0,
                    "{select:?}"
                );
                assert_eq!(
                    store.count(&EVENTS, preds).await.expect("inline count"),
                    pooled.count(&EVENTS, preds).await.expect("pool count"),
                    "{select:?}"
                );
            }
        }
        let key = Key::Text(format!("{:019}", 1007));
        let shown = store.get_text(&EVENTS, &key).await.expect("inline get");
        assert!(shown.is_some());
        assert_eq!(
            shown,
            pooled.get_text(&EVENTS, &key).await.expect("pool get")
        );

        // A committed write is visible to the next inline read.
        let mut tx = store.begin().await.expect("begin");
        assert!(tx.delete(&EVENTS, &key).await.expect("delete"));
        tx.commit().await.expect("commit");
        assert_eq!(
            store.get_text(&EVENTS, &key).await.expect("inline get"),
            None
        );
        let all = Select::default();
        assert_eq!(store.page(&EVENTS, &all).await.expect("page").1, 39);
    }
}
