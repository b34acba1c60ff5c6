//! All SQL of the sandbox. Resources are rows: a key, indexed columns for the attributes that
//! are looked up or filtered on, and `doc`, the wire document as JSON text.
//!
//! Written with PostgreSQL in mind: plain `BIGINT`/`TEXT`/`BOOLEAN` columns, `?`
//! placeholders (PostgreSQL wants `$1`, `$2`…: the one mechanical change), `INSERT … ON CONFLICT … DO UPDATE` and `UPDATE … RETURNING` (both SQLite ≥ 3.35
//! and PostgreSQL), ids from a `counters` row updated inside the writing transaction. The
//! SQLite-only parts are the connection options in [`Store::open`] (WAL, `synchronous`,
//! `busy_timeout`) and the single-writer pool: PostgreSQL takes several writers, the counter
//! row lock orders them.
//!
//! Durability: WAL with `synchronous=FULL` fsyncs the log on every commit, and a write is
//! acknowledged only after its transaction commits, so `kill -9` (or a power cut) never loses
//! an acknowledged write.
//!
//! Concurrency: every write runs in one transaction on the single writer connection (the
//! write pool has one connection), so two requests never interleave their read-modify-write
//! and counters never hand out a number twice; readers use their own pool and see only
//! committed data (WAL).

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

/// How a column is typed and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bool,
    /// UTC RFC 3339 text.
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
    Null,
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
}

impl SqlOp {
    fn sql(self) -> &'static str {
        match self {
            SqlOp::Eq => " = ",
            SqlOp::NotEq => " <> ",
            SqlOp::Gt => " > ",
            SqlOp::Lt => " < ",
            SqlOp::GtOrEq => " >= ",
            SqlOp::LtOrEq => " <= ",
        }
    }
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
};

/// The attribute at `attr` in `doc`: a top-level name, or `association/attribute`.
pub fn attr<'a>(doc: &'a Value, attr: &str) -> Option<&'a Value> {
    let mut node = doc;
    for part in attr.split('/') {
        node = node.get(part)?;
    }
    (!node.is_null()).then_some(node)
}

/// UTC RFC 3339 text of a datetime written with any offset (the column form).
pub fn utc_text(text: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| {
        t.with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.fZ")
            .to_string()
    })
}

/// The value bound for `kind` from a document attribute.
fn bind_of(value: Option<&Value>, kind: Kind) -> Bind {
    let Some(value) = value else {
        return Bind::Null;
    };
    match kind {
        Kind::Int => value
            .as_i64()
            .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
            .map(Bind::Int)
            .unwrap_or(Bind::Null),
        Kind::Bool => value.as_bool().map(Bind::Bool).unwrap_or(Bind::Null),
        Kind::Text => Bind::Text(match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        Kind::Time => value
            .as_str()
            .and_then(utc_text)
            .map(Bind::Text)
            .unwrap_or(Bind::Null),
    }
}

fn push_bind(builder: &mut QueryBuilder<'_, Sqlite>, bind: Bind) {
    match bind {
        Bind::Int(v) => builder.push_bind(v),
        Bind::Text(v) => builder.push_bind(v),
        Bind::Bool(v) => builder.push_bind(v),
        Bind::Null => builder.push_bind(Option::<String>::None),
    };
}

/// A key value of a table.
#[derive(Debug, Clone, PartialEq)]
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

fn push_key(builder: &mut QueryBuilder<'_, Sqlite>, key: &Key) {
    match key {
        Key::Int(v) => builder.push_bind(*v),
        Key::Text(v) => builder.push_bind(v.clone()),
    };
}

fn parse_doc(text: &str) -> Result<Value> {
    serde_json::from_str(text).context("reading a stored document")
}

/// The database: a reader pool and a single-writer pool on the same file.
#[derive(Clone, Debug)]
pub struct Store {
    read: SqlitePool,
    write: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` (`:memory:` for a private in-memory
    /// one) and applies the migrations.
    pub async fn open(path: &str) -> Result<Store> {
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
        let single = || {
            SqlitePoolOptions::new()
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
                .max_connections(4)
                .connect_with(options.read_only(true))
                .await
                .with_context(|| format!("opening {path} for reading"))?
        };
        sqlx::migrate!("./migrations")
            .run(&write)
            .await
            .context("applying the migrations")?;
        Ok(Store { read, write })
    }

    /// Starts a write transaction on the single writer connection.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx {
            tx: self.write.begin().await.context("starting a transaction")?,
        })
    }

    /// The document stored under `key`.
    pub async fn get(&self, table: &Table, key: &Key) -> Result<Option<Value>> {
        let mut builder = QueryBuilder::new(format!(
            "SELECT doc FROM {} WHERE {} = ",
            table.name, table.key
        ));
        push_key(&mut builder, key);
        let row = builder.build().fetch_optional(&self.read).await?;
        row.map(|r| parse_doc(r.get::<&str, _>(0))).transpose()
    }

    /// The documents matching `select`, in its order and page.
    pub async fn list(&self, table: &Table, select: &Select) -> Result<Vec<Value>> {
        let rows = select_sql("SELECT doc", table, select)
            .build()
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| parse_doc(r.get::<&str, _>(0)))
            .collect()
    }

    /// How many rows match `preds`.
    pub async fn count(&self, table: &Table, preds: &[Pred]) -> Result<i64> {
        let mut builder = QueryBuilder::new(format!("SELECT COUNT(*) FROM {}", table.name));
        where_clause(&mut builder, preds);
        Ok(builder.build().fetch_one(&self.read).await?.get(0))
    }

    /// The value of counter `name`, if it exists.
    pub async fn counter(&self, name: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT value FROM counters WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.write)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The scopes and client of an unexpired token of `kind`.
    pub async fn token(
        &self,
        kind: &str,
        token: &str,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT client_id, scopes FROM tokens WHERE token = ? AND kind = ? AND expires_at > ?",
        )
        .bind(token)
        .bind(kind)
        .bind(now)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
}

/// `<head> FROM <table> WHERE … ORDER BY … LIMIT … OFFSET …` for `select`.
fn select_sql(head: &str, table: &Table, select: &Select) -> QueryBuilder<'static, Sqlite> {
    let mut builder = QueryBuilder::new(format!("{head} FROM {}", table.name));
    where_clause(&mut builder, &select.preds);
    let (column, desc) = select.order.unwrap_or((table.key, false));
    let dir = if desc { "DESC" } else { "ASC" };
    builder.push(format!(" ORDER BY {column} {dir}"));
    if column != table.key {
        builder.push(format!(", {} {dir}", table.key));
    }
    if let Some((limit, offset)) = select.page {
        builder.push(" LIMIT ");
        builder.push_bind(limit);
        builder.push(" OFFSET ");
        builder.push_bind(offset);
    }
    builder
}

fn where_clause(builder: &mut QueryBuilder<'_, Sqlite>, preds: &[Pred]) {
    for (i, pred) in preds.iter().enumerate() {
        builder.push(if i == 0 { " WHERE " } else { " AND " });
        if pred.value == Bind::Null {
            builder.push(pred.column);
            builder.push(if pred.op == SqlOp::NotEq {
                " IS NOT NULL"
            } else {
                " IS NULL"
            });
            continue;
        }
        builder.push(pred.column);
        builder.push(pred.op.sql());
        push_bind(builder, pred.value.clone());
    }
}

/// One write transaction. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    tx: Transaction<'static, Sqlite>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await.context("committing")
    }

    /// The next value of counter `name` (starting after `floor` when the counter is new).
    pub async fn next(&mut self, name: &str, floor: i64) -> Result<i64> {
        sqlx::query(
            "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(floor)
        .execute(&mut *self.tx)
        .await?;
        let row =
            sqlx::query("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value")
                .bind(name)
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(row.get(0))
    }

    /// Raises counter `name` to at least `value` (after loading documents with their own ids).
    pub async fn raise(&mut self, name: &str, value: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO counters (name, value) VALUES (?, ?) \
             ON CONFLICT (name) DO UPDATE SET value = CASE WHEN counters.value < excluded.value \
             THEN excluded.value ELSE counters.value END",
        )
        .bind(name)
        .bind(value)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The document under `key`, read inside the transaction.
    pub async fn get(&mut self, table: &Table, key: &Key) -> Result<Option<Value>> {
        let mut builder = QueryBuilder::new(format!(
            "SELECT doc FROM {} WHERE {} = ",
            table.name, table.key
        ));
        push_key(&mut builder, key);
        let row = builder.build().fetch_optional(&mut *self.tx).await?;
        row.map(|r| parse_doc(r.get::<&str, _>(0))).transpose()
    }

    /// The documents of `table` matching `preds`, inside the transaction.
    pub async fn find(&mut self, table: &Table, preds: &[Pred]) -> Result<Vec<Value>> {
        let mut builder = QueryBuilder::new(format!("SELECT doc FROM {}", table.name));
        where_clause(&mut builder, preds);
        builder.push(format!(" ORDER BY {}", table.key));
        let rows = builder.build().fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| parse_doc(r.get::<&str, _>(0)))
            .collect()
    }

    /// Inserts or replaces the row of `doc` (its key is `doc[table.key_attr]`).
    pub async fn put(&mut self, table: &Table, doc: &Value) -> Result<()> {
        let key = bind_of(doc.get(table.key_attr), table.key_kind);
        let columns: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.column != table.key)
            .collect();
        let mut builder = QueryBuilder::new(format!("INSERT INTO {} ({}", table.name, table.key));
        for c in &columns {
            builder.push(", ");
            builder.push(c.column);
        }
        builder.push(", doc) VALUES (");
        push_bind(&mut builder, key);
        for c in &columns {
            builder.push(", ");
            push_bind(&mut builder, bind_of(attr(doc, c.attr), c.kind));
        }
        builder.push(", ");
        builder.push_bind(doc.to_string());
        builder.push(format!(
            ") ON CONFLICT ({}) DO UPDATE SET doc = excluded.doc",
            table.key
        ));
        for c in &columns {
            builder.push(format!(", {0} = excluded.{0}", c.column));
        }
        builder.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Inserts or replaces the rows of `docs`, many rows per statement (bulk loads).
    pub async fn put_many(&mut self, table: &Table, docs: &[Value]) -> Result<()> {
        let columns: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.column != table.key)
            .collect();
        // SQLite binds at most 32,766 values per statement.
        let rows_per_statement = 30_000 / (columns.len() + 2);
        for chunk in docs.chunks(rows_per_statement) {
            let mut builder =
                QueryBuilder::new(format!("INSERT INTO {} ({}", table.name, table.key));
            for c in &columns {
                builder.push(", ");
                builder.push(c.column);
            }
            builder.push(", doc) ");
            builder.push_values(chunk, |mut row, doc| {
                match bind_of(doc.get(table.key_attr), table.key_kind) {
                    Bind::Int(v) => row.push_bind(v),
                    Bind::Text(v) => row.push_bind(v),
                    Bind::Bool(v) => row.push_bind(v),
                    Bind::Null => row.push_bind(Option::<String>::None),
                };
                for c in &columns {
                    match bind_of(attr(doc, c.attr), c.kind) {
                        Bind::Int(v) => row.push_bind(v),
                        Bind::Text(v) => row.push_bind(v),
                        Bind::Bool(v) => row.push_bind(v),
                        Bind::Null => row.push_bind(Option::<String>::None),
                    };
                }
                row.push_bind(doc.to_string());
            });
            builder.push(format!(
                " ON CONFLICT ({}) DO UPDATE SET doc = excluded.doc",
                table.key
            ));
            for c in &columns {
                builder.push(format!(", {0} = excluded.{0}", c.column));
            }
            builder.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Deletes the row under `key`; whether there was one.
    pub async fn delete(&mut self, table: &Table, key: &Key) -> Result<bool> {
        let mut builder =
            QueryBuilder::new(format!("DELETE FROM {} WHERE {} = ", table.name, table.key));
        push_key(&mut builder, key);
        Ok(builder
            .build()
            .execute(&mut *self.tx)
            .await?
            .rows_affected()
            > 0)
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
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *self.tx)
                .await?;
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
        sqlx::query(
            "INSERT INTO tokens (token, kind, client_id, scopes, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token)
        .bind(kind)
        .bind(client_id)
        .bind(scopes)
        .bind(expires_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Takes a token out (a refresh token is used once); its client and scopes if it was valid.
    pub async fn take_token(
        &mut self,
        kind: &str,
        token: &str,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "DELETE FROM tokens WHERE token = ? AND kind = ? AND expires_at > ? \
             RETURNING client_id, scopes",
        )
        .bind(token)
        .bind(kind)
        .bind(now)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// Drops expired tokens.
    pub async fn purge_tokens(&mut self, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM tokens WHERE expires_at <= ?")
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan for `select` (one line per step).
    async fn plan(store: &Store, table: &Table, select: &Select) -> String {
        let rows = select_sql("EXPLAIN QUERY PLAN SELECT doc", table, select)
            .build()
            .fetch_all(&store.read)
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
                    value: Bind::Text("2026-01-01T00:00:00Z".into()),
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
}
