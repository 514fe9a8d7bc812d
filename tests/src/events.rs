//! A process-wide event log for the hooks of linked modules, and the lock that keeps the tests
//! that boot them from interleaving their events.

use std::sync::{Mutex, MutexGuard};

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
static SERIAL: Mutex<()> = Mutex::new(());

/// Appends an event to the log.
pub fn log(event: impl Into<String>) {
    LOG.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(event.into());
}

/// Returns the events logged so far and empties the log.
pub fn take_log() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Taken by every test that boots logging modules: while it is held, the log holds only the
/// holder's events. Empties the log.
pub fn serial() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    take_log();
    guard
}
