//! A failure, a panic or a timeout injected at every hook of a generated 50-module graph,
//! booted four modules at a time: the boot cleans up exactly the modules that started, each
//! once, dependents first, drops every instance, and leaves no hook running.
#![cfg(feature = "async")]

pub mod fixtures {
    pub mod async_graph;
}

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fixtures::async_graph::{self, Event, Fault, ALIVE, DEPS, N, RUNNING};
use module_registry::runtime::{
    AsyncBootError, BootOptions, FailureKind, Outcome, ShutdownOptions, Stage,
};
use module_registry::BootPolicy;

fn options() -> BootOptions {
    BootOptions::new()
        .max_concurrency(4)
        .hook_timeout(Duration::from_secs(1))
        .cleanup_timeout(Duration::from_secs(1))
}

/// Every (module, stage, fault) the graph can have: timeouts only where hooks are async.
fn injections() -> Vec<(usize, Stage, Fault)> {
    let mut out = Vec::new();
    for i in 0..N {
        for stage in [Stage::Create, Stage::Initialize] {
            for fault in [Fault::Error, Fault::Panic, Fault::Hang] {
                if !(fault == Fault::Hang && async_graph::is_sync(i)) {
                    out.push((i, stage, fault));
                }
            }
        }
    }
    out
}

/// Panics injected on purpose print nothing.
fn quiet_injected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.payload().downcast_ref::<String>();
        if !text.is_some_and(|t| t.starts_with("injected")) {
            default(info);
        }
    }));
}

fn ended(log: &[(usize, Event)], i: usize, stage: Stage) -> bool {
    log.contains(&(i, Event::End(stage)))
}

fn position(log: &[(usize, Event)], event: (usize, Event)) -> Option<usize> {
    log.iter().position(|&e| e == event)
}

/// Each module whose `initialize` ended is cleaned up once, after every started module that
/// depends on it was cleaned up and dropped; the others are never cleaned up.
fn assert_cleaned_up_once_in_reverse_order(log: &[(usize, Event)]) {
    let cleanup = |i| (i, Event::Begin(Stage::Cleanup));
    for i in 0..N {
        let count = log.iter().filter(|&&e| e == cleanup(i)).count();
        let started = ended(log, i, Stage::Initialize);
        assert_eq!(count, usize::from(started), "cleanups of n{i:02}: {log:?}");
        if !started {
            continue;
        }
        let at = position(log, cleanup(i)).unwrap();
        for (j, deps) in DEPS.iter().enumerate() {
            if deps.contains(&i) && ended(log, j, Stage::Initialize) {
                let dropped = position(log, (j, Event::Drop)).unwrap();
                assert!(dropped < at, "n{j:02} dropped after n{i:02}'s cleanup");
            }
        }
    }
}

/// Every instance created was dropped once, and no hook is running.
fn assert_nothing_left() {
    assert_eq!(ALIVE.load(Ordering::SeqCst), 0, "instances leaked");
    assert_eq!(RUNNING.load(Ordering::SeqCst), 0, "a hook still runs");
    let log = async_graph::script().log.clone();
    for i in 0..N {
        let created = ended(&log, i, Stage::Create);
        let drops = log.iter().filter(|&&e| e == (i, Event::Drop)).count();
        assert_eq!(drops, usize::from(created), "drops of n{i:02}");
    }
}

/// Time passes after the boot returned, and nothing of it moves.
async fn assert_quiet_after_return() {
    let before = async_graph::script().log.len();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        async_graph::script().log.len(),
        before,
        "a hook ran after return"
    );
}

#[tokio::test(start_paused = true)]
async fn fail_fast_rolls_back_exactly_what_started_at_every_position() {
    let _exclusive = async_graph::exclusive().await;
    quiet_injected_panics();
    let registry = async_graph::registry();
    for (i, stage, fault) in injections() {
        *async_graph::script() = async_graph::Script {
            faults: vec![(i, stage, fault)],
            log: Vec::new(),
        };
        let err = registry.boot_async(options()).await.unwrap_err();
        let AsyncBootError::Failed {
            failures,
            cleanup,
            report,
            ..
        } = err
        else {
            panic!("n{i:02}: not a hook failure: {err}");
        };
        let kind = match fault {
            Fault::Error => FailureKind::Error,
            Fault::Panic => FailureKind::Panic,
            Fault::Hang => FailureKind::Timeout,
        };
        let failed = failures.iter().find(|f| f.module == format!("n{i:02}"));
        let failed = failed.unwrap_or_else(|| panic!("n{i:02} {stage} not reported: {failures:?}"));
        assert_eq!((failed.stage, failed.kind), (stage, kind));
        assert!(cleanup.is_empty(), "{cleanup:?}");
        assert!(report
            .modules
            .iter()
            .any(|m| m.outcome == Outcome::Failed(stage)));
        let log = async_graph::script().log.clone();
        assert!(async_graph::logged(&log, i, Event::Begin(stage)));
        assert_cleaned_up_once_in_reverse_order(&log);
        assert_nothing_left();
        assert_quiet_after_return().await;
    }
}

/// The modules that depend on `i`, directly or not, and `i`.
fn down_with(i: usize) -> BTreeSet<usize> {
    let mut down = BTreeSet::from([i]);
    for (j, deps) in DEPS.iter().enumerate() {
        if deps.iter().any(|d| down.contains(d)) {
            down.insert(j);
        }
    }
    down
}

#[tokio::test(start_paused = true)]
async fn degrade_skips_exactly_the_failed_module_and_its_dependents() {
    let _exclusive = async_graph::exclusive().await;
    quiet_injected_panics();
    let registry = async_graph::registry();
    for (i, stage, fault) in injections() {
        *async_graph::script() = async_graph::Script {
            faults: vec![(i, stage, fault)],
            log: Vec::new(),
        };
        let options = options().policy(BootPolicy::Degrade);
        let (runtime, _) = registry.boot_async(options).await.unwrap();
        let skipped: BTreeSet<usize> = runtime
            .skipped()
            .iter()
            .map(|s| s.module[1..].parse().unwrap())
            .collect();
        assert_eq!(skipped, down_with(i), "n{i:02} {stage} {fault:?}");
        assert_eq!(runtime.len(), N - skipped.len());
        runtime
            .shutdown_async(ShutdownOptions::new().max_concurrency(4))
            .await
            .unwrap();
        let log = async_graph::script().log.clone();
        assert_cleaned_up_once_in_reverse_order(&log);
        assert_nothing_left();
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_cleanup_during_rollback_is_reported_and_the_rest_cleaned_up() {
    let _exclusive = async_graph::exclusive().await;
    quiet_injected_panics();
    async_graph::script().faults = vec![
        (N - 1, Stage::Initialize, Fault::Error),
        (0, Stage::Cleanup, Fault::Hang),
        (6, Stage::Cleanup, Fault::Panic),
        (9, Stage::Cleanup, Fault::Error),
    ];
    let err = async_graph::registry()
        .boot_async(options())
        .await
        .unwrap_err();
    let AsyncBootError::Failed { cleanup, .. } = err else {
        panic!("not a hook failure: {err}");
    };
    let mut reported: Vec<_> = cleanup
        .iter()
        .map(|f| (f.module, f.stage, f.kind))
        .collect();
    reported.sort_by_key(|r| r.0);
    assert_eq!(
        reported,
        [
            ("n00", Stage::Cleanup, FailureKind::Timeout),
            ("n06", Stage::Cleanup, FailureKind::Panic),
            ("n09", Stage::Cleanup, FailureKind::Error),
        ]
    );
    let log = async_graph::script().log.clone();
    assert_cleaned_up_once_in_reverse_order(&log);
    assert_nothing_left();
}
