//! Reads of a SQLite file in the request's own task, through rusqlite.
//!
//! sqlx's SQLite driver runs every connection on a thread of its own: each statement is a
//! message to that thread and a message back, so a read that SQLite answers in microseconds
//! costs two thread hand-offs (on show-by-id, thread park and futex wake-ups were the largest
//! share of the sandbox's samples; README, "Where the time goes"). Here a read runs on the
//! thread that serves the request, on a read-only connection taken from a small idle list.
//! Writes stay on sqlx's writer connection and group commit ([`crate::group`]); in WAL mode a
//! reader sees the last committed transaction, as the sqlx readers did.
//!
//! A read whose work is small runs inline: a row by key, a token, a page whose skipped rows and
//! counted matches are at most 20,000 index entries (a millisecond at most here). A longer read (a deep offset or a count over many
//! matches at 1,000,000 rows, an in-memory filter's batch) runs under
//! [`tokio::task::block_in_place`], so the worker's other tasks move to another thread while
//! it scans. Measured on the bench's first filtered page at 10,000 events, `block_in_place`
//! on every page cost 20 to 35 % of the rate.
//!
//! Only for a SQLite file: an in-memory database lives in its one sqlx connection, and
//! PostgreSQL is a socket.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags};

/// Idle connections kept for reuse; more are opened when more reads run at once (at most one
/// per runtime thread) and closed when they come back to a full list.
const IDLE: usize = 8;

/// Long reads running at once; the others wait on their own threads (already off the runtime
/// under `block_in_place`). Without a bound, 32 concurrent deep pages at 1,000,000 events ran
/// on 41 threads, each with its own connection, page cache and allocator arena: 147 MB peak
/// resident against 22 MB for show-by-id, for no more throughput on two cores.
const LONG_AT_ONCE: usize = 4;

/// Read-only connections to one SQLite file, used on the caller's thread.
#[derive(Debug)]
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Long reads running now, and the wake-up for those waiting for a turn.
    long: Mutex<usize>,
    turn: Condvar,
}

impl Readers {
    /// Readers of the database file at `path` (already created and migrated). Opens one
    /// connection now, so a path that cannot be read fails at start-up.
    pub fn open(path: &Path) -> Result<Readers> {
        let readers = Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            long: Mutex::new(0),
            turn: Condvar::new(),
        };
        let first = readers.connect()?;
        readers.idle().push(first);
        Ok(readers)
    }

    /// Closes the idle connections (a read still running closes its own when it ends).
    pub fn close(&self) {
        self.idle().clear();
    }

    fn connect(&self) -> Result<Connection> {
        // NO_MUTEX: a connection is used by one thread at a time (it is taken from the list).
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags)
            .with_context(|| format!("opening {} for reading", self.path.display()))?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        lock(&self.idle)
    }

    /// Runs `read` on a connection, on this thread.
    pub fn point<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match self.idle().pop() {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let out = read(&conn);
        let mut idle = self.idle();
        if idle.len() < IDLE {
            idle.push(conn);
        }
        out
    }

    /// Runs `read` on a connection inside one read transaction (one snapshot). A `long` read
    /// (one whose work the request does not bound) lets the runtime move this worker's other
    /// tasks to another thread while it runs; a short one runs inline like [`Readers::point`].
    pub fn snapshot<T>(
        &self,
        long: bool,
        read: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let run = || {
            self.point(|conn| {
                let tx = conn.unchecked_transaction()?;
                let out = read(&tx)?;
                tx.finish()?;
                Ok(out)
            })
        };
        // `block_in_place` needs the multi-threaded runtime (the server's); a test on the
        // current-thread runtime runs the read inline.
        let multi = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if long && multi {
            tokio::task::block_in_place(|| {
                let _turn = self.long_turn();
                run()
            })
        } else {
            run()
        }
    }

    /// Waits (blocking this thread) until fewer than [`LONG_AT_ONCE`] long reads run; the
    /// turn ends when the guard drops.
    fn long_turn(&self) -> LongTurn<'_> {
        let mut running = self
            .turn
            .wait_while(lock(&self.long), |running| *running >= LONG_AT_ONCE)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *running += 1;
        LongTurn(self)
    }
}

/// A long read's turn; dropping it lets the next waiting one run.
struct LongTurn<'a>(&'a Readers);

impl Drop for LongTurn<'_> {
    fn drop(&mut self) {
        *lock(&self.0.long) -= 1;
        self.0.turn.notify_one();
    }
}

/// Locks `mutex`, whose data stays consistent even if a holder panicked (a list of idle
/// connections, a counter restored by its guard).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// At most `LONG_AT_ONCE` long reads run at once on the server's runtime; short ones are
    /// not held back by them, and every read gets its answer.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn long_reads_take_turns() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("turns.db");
        Connection::open(&path)
            .and_then(|conn| {
                conn.execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (7);")
            })
            .expect("create");
        let readers = Arc::new(Readers::open(&path).expect("open"));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let long_reads: Vec<_> = (0..12)
            .map(|_| {
                let (readers, running, most) = (readers.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    readers.snapshot(true, |conn| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(conn.query_row("SELECT n FROM t", [], |row| row.get::<_, i64>(0))?)
                    })
                })
            })
            .collect();
        let short = readers
            .snapshot(false, |conn| {
                Ok(conn.query_row("SELECT n FROM t", [], |row| row.get::<_, i64>(0))?)
            })
            .expect("short read");
        assert_eq!(short, 7);
        for read in long_reads {
            assert_eq!(read.await.expect("task").expect("long read"), 7);
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= LONG_AT_ONCE, "{most} long reads ran at once");
        assert!(most >= 2, "long reads ran one at a time");
    }
}
