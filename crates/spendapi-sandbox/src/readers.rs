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
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags};

/// Idle connections kept for reuse; more are opened when more reads run at once (at most one
/// per runtime thread) and closed when they come back to a full list.
const IDLE: usize = 8;

/// Read-only connections to one SQLite file, used on the caller's thread.
#[derive(Debug)]
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Readers of the database file at `path` (already created and migrated). Opens one
    /// connection now, so a path that cannot be read fails at start-up.
    pub fn open(path: &Path) -> Result<Readers> {
        let readers = Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        let first = readers.connect()?;
        readers.idle().push(first);
        Ok(readers)
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
        // A panic while the list was held leaves it usable: it holds only idle connections.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
            tokio::task::block_in_place(run)
        } else {
            run()
        }
    }
}
