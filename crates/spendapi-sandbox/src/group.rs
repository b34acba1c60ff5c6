//! Group commit on SQLite: concurrent write requests share one transaction and one fsync.
//!
//! SQLite has one writer, and with `synchronous=FULL` each commit waits for the disk; a
//! transaction per request therefore caps writes at the disk's flush rate. Here the writer
//! connection holds one open transaction (a *group*) that every write request joins in its own
//! savepoint:
//!
//! - [`Group::begin`] waits for the writer connection (a fair, first-come mutex), opens the
//!   group's transaction if none is open, and starts a savepoint for the request.
//! - [`Member::commit`] releases the savepoint, asks the committer for a commit, hands the
//!   connection on, and waits until the group's `COMMIT` has returned: a write is acknowledged
//!   only once the commit that holds it is on disk, as before.
//! - A request that fails (its [`Member`] dropped without commit) is rolled back to its
//!   savepoint by the next user of the connection; the rest of the group is untouched.
//! - The committer task queues for the connection behind the requests already waiting, so
//!   those join the group first; it then commits once and wakes every member with the result
//!   (a failed `COMMIT` fails every member: none of them was acknowledged).
//!
//! The batch is whatever arrived while the previous request ran: a lone request commits at
//! once (no added latency), a burst shares one fsync. The connection is returned to the pool
//! between groups, so an in-memory database (whose readers share the one connection) reads
//! between groups, as it read between transactions before.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use anyhow::{Context, Result, anyhow};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

/// The savepoint each member runs in (members run one after another, so one name suffices).
const SAVEPOINT: &str = "request";

/// The writer connection of a SQLite store, shared by the members of one group at a time.
#[derive(Clone)]
pub struct Group {
    shared: Arc<GroupState>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").finish_non_exhaustive()
    }
}

struct GroupState {
    pool: SqlitePool,
    writer: Arc<Mutex<Writer>>,
    /// Wakes the committer: a member released its savepoint.
    wake: Arc<Notify>,
    /// How far the groups got.
    committed: watch::Sender<Progress>,
    /// `COMMIT`s issued (each one fsync with `synchronous=FULL`), for the benchmark.
    commits: AtomicU64,
}

/// The groups that ended: every group up to `done` committed, except those in `failed`.
#[derive(Debug, Default)]
struct Progress {
    done: u64,
    /// The groups whose transaction failed (rare: a full disk, a broken connection), most
    /// recent last; bounded, since a member only waits for its own recent group.
    failed: Vec<(u64, String)>,
}

impl Progress {
    fn end(&mut self, group: u64, outcome: Result<(), String>) {
        self.done = self.done.max(group);
        if let Err(err) = outcome {
            self.failed.push((group, err));
            if self.failed.len() > 256 {
                self.failed.remove(0);
            }
        }
    }

    fn outcome(&self, group: u64) -> Result<(), String> {
        match self.failed.iter().find(|(failed, _)| *failed == group) {
            Some((_, err)) => Err(err.clone()),
            None => Ok(()),
        }
    }
}

impl Drop for GroupState {
    fn drop(&mut self) {
        // The committer holds only a weak reference: wake it so it sees the store is gone.
        self.wake.notify_one();
    }
}

/// The writer connection's state, behind the mutex.
struct Writer {
    /// The connection while a group's transaction is open.
    conn: Option<PoolConnection<Sqlite>>,
    /// The number of the open (or last) group.
    group: u64,
    /// A member left without committing: its savepoint must be rolled back before anyone
    /// else uses the connection.
    abandoned: bool,
}

/// One write request's share of a group: its savepoint on the writer connection.
pub struct Member {
    writer: Option<OwnedMutexGuard<Writer>>,
    group: u64,
    shared: Arc<GroupState>,
}

impl Group {
    /// Group commit over the single-connection writer `pool`; starts the committer task.
    pub fn new(pool: SqlitePool) -> Group {
        let wake = Arc::new(Notify::new());
        let (committed, _) = watch::channel(Progress::default());
        let shared = Arc::new(GroupState {
            pool,
            writer: Arc::new(Mutex::new(Writer {
                conn: None,
                group: 0,
                abandoned: false,
            })),
            wake: Arc::clone(&wake),
            committed,
            commits: AtomicU64::new(0),
        });
        tokio::spawn(committer(Arc::downgrade(&shared), wake));
        Group { shared }
    }

    /// Closes the writer connection once no group holds it.
    pub async fn close(&self) {
        self.shared.pool.close().await;
    }

    /// How many group transactions have been committed.
    pub fn commits(&self) -> u64 {
        self.shared.commits.load(Ordering::Relaxed)
    }

    /// Joins the open group (or opens one) in a savepoint of its own.
    pub async fn begin(&self) -> Result<Member> {
        let mut writer = Arc::clone(&self.shared.writer).lock_owned().await;
        writer.settle(&self.shared.committed).await;
        if writer.conn.is_none() {
            let mut conn = self
                .shared
                .pool
                .acquire()
                .await
                .context("starting a transaction")?;
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut *conn)
                .await
                .context("starting a transaction")?;
            writer.conn = Some(conn);
            writer.group += 1;
        }
        let group = writer.group;
        let conn = writer
            .conn
            .as_mut()
            .ok_or_else(|| anyhow!("no connection"))?;
        if let Err(err) = sqlx::query(&format!("SAVEPOINT {SAVEPOINT}"))
            .execute(&mut **conn)
            .await
        {
            // The group may have been opened for this request alone: let the committer close
            // it rather than leave it open until the next write.
            self.shared.wake.notify_one();
            return Err(err).context("starting a transaction");
        }
        Ok(Member {
            writer: Some(writer),
            group,
            shared: Arc::clone(&self.shared),
        })
    }
}

impl Writer {
    /// Rolls back an abandoned member's savepoint; if even that fails, the whole group's
    /// transaction is rolled back and its members (waiting for the commit) are told it failed.
    async fn settle(&mut self, committed: &watch::Sender<Progress>) {
        if !std::mem::take(&mut self.abandoned) {
            return;
        }
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let mut undone = Ok(());
        for statement in ["ROLLBACK TO SAVEPOINT", "RELEASE SAVEPOINT"] {
            if undone.is_ok() {
                undone = sqlx::query(&format!("{statement} {SAVEPOINT}"))
                    .execute(&mut **conn)
                    .await
                    .map(drop);
            }
        }
        if let Err(err) = undone {
            tracing::warn!("rolling back a failed request: {err}");
            if let Some(mut conn) = self.conn.take() {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            }
            let group = self.group;
            committed.send_modify(|progress| progress.end(group, Err(err.to_string())));
        }
    }
}

impl Member {
    /// The writer connection, inside this member's savepoint.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        match self.writer.as_mut().and_then(|w| w.conn.as_mut()) {
            Some(conn) => conn,
            // `begin` set the connection and only `commit` (which consumes the member) or
            // the committer (which waits for the member's guard) takes it.
            None => unreachable!("a member holds the open group's connection"),
        }
    }

    /// Keeps this member's writes and waits until the group holding them is committed.
    pub async fn commit(mut self) -> Result<()> {
        let mut writer = self
            .writer
            .take()
            .ok_or_else(|| anyhow!("committed twice"))?;
        let conn = writer
            .conn
            .as_mut()
            .ok_or_else(|| anyhow!("no connection"))?;
        if let Err(err) = sqlx::query(&format!("RELEASE SAVEPOINT {SAVEPOINT}"))
            .execute(&mut **conn)
            .await
        {
            writer.abandoned = true;
            self.shared.wake.notify_one();
            return Err(err).context("committing");
        }
        let mut committed = self.shared.committed.subscribe();
        self.shared.wake.notify_one();
        drop(writer);
        let group = self.group;
        let progress = committed
            .wait_for(|progress| progress.done >= group)
            .await
            .map_err(|_| anyhow!("the store closed before committing"))?;
        progress
            .outcome(group)
            .map_err(|err| anyhow!(err))
            .context("committing")
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.as_mut() {
            // Rolled back by the next user of the connection; the committer is one, so the
            // group's transaction does not stay open for want of a next request.
            writer.abandoned = true;
            self.shared.wake.notify_one();
        }
    }
}

/// Commits the open group whenever a member asks, after the members already waiting for the
/// connection have joined it.
async fn committer(shared: Weak<GroupState>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut writer = shared.writer.lock().await;
        // A member may have left its savepoint behind after the last one that asked.
        writer.settle(&shared.committed).await;
        let Some(mut conn) = writer.conn.take() else {
            continue;
        };
        shared.commits.fetch_add(1, Ordering::Relaxed);
        let outcome = match sqlx::query("COMMIT").execute(&mut *conn).await {
            Ok(_) => Ok(()),
            Err(err) => {
                tracing::warn!("group commit failed: {err}");
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                Err(err.to_string())
            }
        };
        let group = writer.group;
        drop(conn);
        drop(writer);
        shared
            .committed
            .send_modify(|progress| progress.end(group, outcome));
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;
    use std::sync::atomic::AtomicUsize;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};

    use super::*;

    async fn open(dir: &tempfile::TempDir) -> (Group, SqlitePool) {
        let options = SqliteConnectOptions::from_str("sqlite://group.db")
            .expect("options")
            .filename(dir.path().join("group.db"))
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Full);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .expect("writer");
        sqlx::query("CREATE TABLE t (n INTEGER NOT NULL)")
            .execute(&write)
            .await
            .expect("table");
        let read = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .expect("reader");
        (Group::new(write), read)
    }

    async fn insert(member: &mut Member, n: i64) {
        sqlx::query("INSERT INTO t (n) VALUES (?)")
            .bind(n)
            .execute(member.conn())
            .await
            .expect("insert");
    }

    /// Requests waiting while one runs join its group: one commit for all of them, each
    /// acknowledged after it; a request that fails is rolled back alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_writes_share_one_commit_and_a_failed_one_is_undone_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (group, read) = open(&dir).await;
        let mut first = group.begin().await.expect("begin");
        insert(&mut first, 0).await;

        let queued = Arc::new(AtomicUsize::new(0));
        let mut writers = Vec::new();
        for n in 1..=20_i64 {
            let (group, queued, read) = (group.clone(), Arc::clone(&queued), read.clone());
            writers.push(tokio::spawn(async move {
                // Counted in the same poll that queues for the connection.
                queued.fetch_add(1, Ordering::SeqCst);
                let mut member = group.begin().await.expect("begin");
                insert(&mut member, n).await;
                if n % 5 == 0 {
                    drop(member); // fails: never committed
                    return false;
                }
                member.commit().await.expect("commit");
                let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t WHERE n = ?")
                    .bind(n)
                    .fetch_one(&read)
                    .await
                    .expect("read");
                assert_eq!(seen, 1, "write {n} is visible once acknowledged");
                true
            }));
        }
        while queued.load(Ordering::SeqCst) < 20 {
            tokio::task::yield_now().await;
        }
        first.commit().await.expect("commit");
        let mut acknowledged = 1;
        for writer in writers {
            acknowledged += usize::from(writer.await.expect("writer"));
        }
        assert_eq!(acknowledged, 17);
        assert_eq!(group.commits(), 1, "one group, one commit");
        let rows: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY n")
            .fetch_all(&read)
            .await
            .expect("rows");
        let expected: Vec<i64> = (0..=20).filter(|n| n % 5 != 0 || *n == 0).collect();
        assert_eq!(rows, expected);

        // A lone write commits at once, in a group of its own.
        let mut alone = group.begin().await.expect("begin");
        insert(&mut alone, 99).await;
        alone.commit().await.expect("commit");
        assert_eq!(group.commits(), 2);
    }
}
