//! The boot report of a generated 50-module graph: each module starts when its last
//! dependency is up, never more than `max_concurrency` at once, and the same graph gives the
//! same report every run.
#![cfg(feature = "async")]

pub mod fixtures {
    pub mod async_graph;
}

use std::sync::atomic::Ordering;

use fixtures::async_graph::{self, DEPS, PEAK};
use module_registry::runtime::{BootOptions, BootReport, ModuleTiming, ShutdownOptions};

async fn boot(options: BootOptions) -> BootReport {
    let (runtime, report) = async_graph::registry().boot_async(options).await.unwrap();
    runtime
        .shutdown_async(ShutdownOptions::new())
        .await
        .unwrap();
    report
}

fn timing(report: &BootReport, i: usize) -> &ModuleTiming {
    let name = format!("n{i:02}");
    report.modules.iter().find(|m| m.name == name).unwrap()
}

#[tokio::test(start_paused = true)]
async fn each_module_starts_when_its_last_dependency_is_up() {
    let _exclusive = async_graph::exclusive().await;
    let report = boot(BootOptions::new()).await;
    for (i, deps) in DEPS.iter().enumerate() {
        let last = deps.iter().map(|&d| timing(&report, d).end()).max();
        assert_eq!(
            timing(&report, i).start,
            last.unwrap_or_default(),
            "n{i:02}"
        );
    }
    let last = report.modules.iter().map(ModuleTiming::end).max().unwrap();
    assert_eq!(report.total, last);
}

#[tokio::test(start_paused = true)]
async fn the_critical_path_is_a_chain_of_dependencies_ending_last() {
    let _exclusive = async_graph::exclusive().await;
    let report = boot(BootOptions::new()).await;
    let path: Vec<usize> = report
        .critical_path
        .iter()
        .map(|n| n[1..].parse().unwrap())
        .collect();
    assert!(DEPS[path[0]].is_empty());
    for pair in path.windows(2) {
        assert!(DEPS[pair[1]].contains(&pair[0]), "{path:?}");
    }
    assert_eq!(timing(&report, *path.last().unwrap()).end(), report.total);
}

#[tokio::test(start_paused = true)]
async fn never_more_than_max_concurrency_hooks_at_once() {
    let _exclusive = async_graph::exclusive().await;
    for limit in [1, 3, 8] {
        PEAK.store(0, Ordering::SeqCst);
        let options = BootOptions::new().max_concurrency(limit);
        let (runtime, _) = async_graph::registry().boot_async(options).await.unwrap();
        let peak = PEAK.load(Ordering::SeqCst);
        runtime
            .shutdown_async(ShutdownOptions::new())
            .await
            .unwrap();
        assert!(
            peak <= limit && peak >= limit.min(2),
            "limit {limit}, peak {peak}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_same_graph_gives_the_same_report_every_run() {
    let _exclusive = async_graph::exclusive().await;
    let first = boot(BootOptions::new().max_concurrency(3)).await;
    for _ in 0..5 {
        assert_eq!(boot(BootOptions::new().max_concurrency(3)).await, first);
    }
    assert_eq!(
        first.to_string(),
        boot(BootOptions::new().max_concurrency(3))
            .await
            .to_string()
    );
}
