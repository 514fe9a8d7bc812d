//! Demo plugin: a key-value store backed by a real SQLite database.
//!
//! The database file is `$HOST_DB`, or `host-demo.sqlite3` in the working directory. Opening it
//! is an async `create`: the blocking open runs on tokio's blocking pool while other modules
//! start.

use std::sync::Mutex;

use module_registry::{Context, Lifecycle, Module, ModuleError};
use rusqlite::{Connection, OptionalExtension};

/// Keys and values in one SQLite table.
#[derive(Module)]
#[module(name = "storage", version = "1.4.0", kind = Storage,
         capabilities = ["storage", "persistence"], create = async SqliteStorage::open, lifecycle)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
    path: String,
}

fn db_error(e: rusqlite::Error) -> ModuleError {
    ModuleError::with_source(format!("sqlite: {e}"), e)
}

impl SqliteStorage {
    async fn open(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        let path = std::env::var("HOST_DB").unwrap_or_else(|_| "host-demo.sqlite3".to_owned());
        let file = path.clone();
        let conn = tokio::task::spawn_blocking(move || Connection::open(file))
            .await
            .map_err(|e| ModuleError::new(format!("opening the database: {e}")))?
            .map_err(db_error)?;
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
            path,
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The database file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn put(&self, key: &str, value: &[u8]) -> Result<(), ModuleError> {
        self.conn()
            .execute(
                "INSERT INTO kv (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            .map(drop)
            .map_err(db_error)
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ModuleError> {
        self.conn()
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(db_error)
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Result<Vec<String>, ModuleError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT key FROM kv ORDER BY key")
            .map_err(db_error)?;
        let keys = stmt
            .query_map([], |row| row.get(0))
            .map_err(db_error)?
            .collect::<Result<Vec<String>, _>>()
            .map_err(db_error)?;
        Ok(keys)
    }
}

impl Lifecycle for SqliteStorage {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        self.conn()
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);",
            )
            .map_err(db_error)
    }

    fn cleanup(&mut self) -> Result<(), ModuleError> {
        // Fold the write-ahead log into the database file so a restart reads one file.
        self.conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(db_error)
    }
}
