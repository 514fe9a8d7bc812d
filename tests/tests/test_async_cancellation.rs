//! Dropping `boot_async` or `shutdown_async` midway, at every millisecond of a generated
//! 50-module graph: hooks in flight are dropped, every instance is dropped once, dependents
//! first, and nothing runs afterwards.
#![cfg(feature = "async")]

pub mod fixtures {
    pub mod async_graph;
}

use std::time::Duration;

use fixtures::async_graph::{self, Event, N};
use module_registry::runtime::{BootOptions, ShutdownOptions, Stage};
use tokio::time::timeout;

fn options() -> BootOptions {
    BootOptions::new().max_concurrency(4)
}

/// How long the whole graph takes to boot, in milliseconds.
async fn boot_time() -> u64 {
    let registry = async_graph::registry();
    let (runtime, report) = registry.boot_async(options()).await.unwrap();
    runtime
        .shutdown_async(ShutdownOptions::new())
        .await
        .unwrap();
    report.total.as_millis() as u64
}

#[tokio::test(start_paused = true)]
async fn dropping_the_boot_drops_every_started_module_once() {
    let _exclusive = async_graph::exclusive().await;
    let registry = async_graph::registry();
    let total = boot_time().await;
    for ms in 0..total {
        *async_graph::script() = async_graph::Script::default();
        let boot = registry.boot_async(options());
        assert!(timeout(Duration::from_millis(ms), boot).await.is_err());
        let log = async_graph::script().log.clone();
        // Synchronous cleanups run when the boot is dropped; async ones cannot.
        for i in (0..N).filter(|&i| async_graph::is_sync(i)) {
            let initialized = async_graph::logged(&log, i, Event::End(Stage::Initialize));
            let cleaned = async_graph::logged(&log, i, Event::Begin(Stage::Cleanup));
            assert_eq!(initialized, cleaned, "n{i:02} at {ms} ms");
        }
        async_graph::assert_all_dropped_dependents_first();
        async_graph::assert_quiet().await;
    }
}

#[tokio::test(start_paused = true)]
async fn dropping_the_shutdown_drops_every_module_once() {
    let _exclusive = async_graph::exclusive().await;
    let registry = async_graph::registry();
    for ms in 0..12 {
        *async_graph::script() = async_graph::Script::default();
        let (runtime, _) = registry.boot_async(options()).await.unwrap();
        let shutdown = runtime.shutdown_async(ShutdownOptions::new().max_concurrency(4));
        assert!(timeout(Duration::from_millis(ms), shutdown).await.is_err());
        let log = async_graph::script().log.clone();
        for i in 0..N {
            let cleanups = log
                .iter()
                .filter(|&&e| e == (i, Event::Begin(Stage::Cleanup)));
            assert!(cleanups.count() <= 1, "n{i:02} cleaned up twice at {ms} ms");
        }
        async_graph::assert_all_dropped_dependents_first();
        async_graph::assert_quiet().await;
    }
}
