//! `Runtime::shutdown_async` of a generated 50-module graph: dependents first, several at once,
//! each cleanup within its timeout, every failure reported.
#![cfg(feature = "async")]

pub mod fixtures {
    pub mod async_graph;
}

use std::time::Duration;

use fixtures::async_graph::{self, Event, Fault, DEPS, N};
use module_registry::runtime::{BootOptions, ShutdownOptions, Stage};

fn shutdown_options() -> ShutdownOptions {
    ShutdownOptions::new()
        .max_concurrency(4)
        .hook_timeout(Duration::from_secs(1))
}

fn quiet_injected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.payload().downcast_ref::<String>();
        if !text.is_some_and(|t| t.starts_with("injected")) {
            default(info);
        }
    }));
}

/// Each module is cleaned up once, after every module that depends on it was dropped.
fn assert_cleaned_up_once_dependents_first(log: &[(usize, Event)]) {
    let at = |e| log.iter().position(|&x| x == e);
    for (i, deps) in DEPS.iter().enumerate() {
        let count = log
            .iter()
            .filter(|&&e| e == (i, Event::Begin(Stage::Cleanup)));
        assert_eq!(count.count(), 1, "cleanups of n{i:02}");
        for &d in *deps {
            let dependent_dropped = at((i, Event::Drop)).unwrap();
            let cleanup = at((d, Event::Begin(Stage::Cleanup))).unwrap();
            assert!(
                dependent_dropped < cleanup,
                "n{d:02} cleaned up before n{i:02} dropped"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn cleans_up_in_reverse_dependency_order_within_the_concurrency_limit() {
    let _exclusive = async_graph::exclusive().await;
    let (runtime, _) = async_graph::registry()
        .boot_async(BootOptions::new())
        .await
        .unwrap();
    async_graph::PEAK.store(0, std::sync::atomic::Ordering::SeqCst);
    runtime.shutdown_async(shutdown_options()).await.unwrap();
    let log = async_graph::script().log.clone();
    assert_cleaned_up_once_dependents_first(&log);
    let peak = async_graph::PEAK.load(std::sync::atomic::Ordering::SeqCst);
    assert!((2..=4).contains(&peak), "peak {peak}");
    async_graph::assert_all_dropped_dependents_first();
}

#[tokio::test(start_paused = true)]
async fn reports_a_failing_cleanup_at_every_position_and_cleans_up_the_rest() {
    let _exclusive = async_graph::exclusive().await;
    quiet_injected_panics();
    let registry = async_graph::registry();
    for i in 0..N {
        for fault in [Fault::Error, Fault::Panic, Fault::Hang] {
            if fault == Fault::Hang && async_graph::is_sync(i) {
                continue;
            }
            *async_graph::script() = async_graph::Script::default();
            let (runtime, _) = registry.boot_async(BootOptions::new()).await.unwrap();
            async_graph::script().faults = vec![(i, Stage::Cleanup, fault)];
            let err = runtime
                .shutdown_async(shutdown_options())
                .await
                .unwrap_err();
            let failed: Vec<_> = err.failures.iter().map(|(m, _)| *m).collect();
            assert_eq!(failed, [format!("n{i:02}")], "{fault:?}");
            assert_cleaned_up_once_dependents_first(&async_graph::script().log.clone());
            async_graph::assert_all_dropped_dependents_first();
            async_graph::assert_quiet().await;
        }
    }
}
