//! `Registry::boot_async`: async and synchronous hooks together, started as soon as their
//! dependencies are up, within the concurrency limit, with a report.
#![cfg(feature = "async")]

use std::sync::Arc;
use std::time::Duration;

use module_registry::runtime::{
    AsyncBootError, BootOptions, FailureKind, Outcome, ShutdownOptions, Stage,
};
use module_registry::{modules, AsyncLifecycle, BootError, BootPolicy, Context, Lifecycle};
use module_registry::{Module, ModuleError};

#[derive(Module)]
#[module(create = async Pool::open, lifecycle = async)]
pub struct Pool {
    open: bool,
}

impl Pool {
    async fn open(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        tokio::time::sleep(Duration::from_millis(30)).await;
        Ok(Pool { open: false })
    }
}

impl AsyncLifecycle for Pool {
    async fn initialize(&mut self) -> Result<(), ModuleError> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.open = true;
        Ok(())
    }
}

#[derive(Module)]
#[module(depends_on = [Pool], create = async Repo::new)]
pub struct Repo {
    pool: Arc<Pool>,
}

impl Repo {
    async fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        tokio::time::sleep(Duration::from_millis(5)).await;
        // The context is used after an await.
        Ok(Repo {
            pool: ctx.dep::<Pool>(),
        })
    }
}

#[derive(Module, Default)]
#[module(lifecycle)]
pub struct Config;

impl Lifecycle for Config {}

#[tokio::test(start_paused = true)]
async fn async_and_sync_modules_boot_together() {
    let registry = modules![Pool, Repo, Config];
    assert!(registry.find("pool").unwrap().is_async());
    assert!(!registry.find("config").unwrap().is_async());
    let (runtime, report) = registry.boot_async(BootOptions::new()).await.unwrap();
    assert!(runtime.get::<Repo>().unwrap().pool.open);
    assert!(runtime.get::<Config>().is_some());
    assert!(report.modules.iter().all(|m| m.outcome == Outcome::Started));
    assert_eq!(report.critical_path, ["pool", "repo"]);
    assert_eq!(report.total, Duration::from_millis(45));
    runtime.shutdown_async(Default::default()).await.unwrap();
}

#[derive(Module)]
#[module(create = async Slow::new)]
pub struct Slow;

impl Slow {
    async fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(Slow)
    }
}

#[test]
fn the_synchronous_boot_refuses_async_modules() {
    let err = modules![Config, Pool].boot().unwrap_err();
    assert!(matches!(err, BootError::NeedsAsyncBoot { module: "pool" }));
    assert!(err.to_string().contains("boot_async"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn the_synchronous_shutdown_reports_async_cleanups_it_cannot_run() {
    let (runtime, _) = modules![Pool].boot_async(BootOptions::new()).await.unwrap();
    let err = runtime.shutdown().unwrap_err();
    assert!(err.to_string().contains("shutdown_async"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn the_deadline_cancels_what_is_in_flight_and_rolls_back() {
    let options = BootOptions::new().deadline(Duration::from_secs(1));
    let err = modules![Config, Pool, Slow]
        .boot_async(options)
        .await
        .unwrap_err();
    let AsyncBootError::Failed {
        failures, report, ..
    } = err
    else {
        panic!("{err}");
    };
    let failed: Vec<_> = failures
        .iter()
        .map(|f| (f.module, f.stage, f.kind))
        .collect();
    assert_eq!(failed, [("slow", Stage::Create, FailureKind::Deadline)]);
    assert_eq!(report.modules.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn degrade_boots_the_rest_after_a_timeout() {
    let options = BootOptions::new()
        .policy(BootPolicy::Degrade)
        .hook_timeout(Duration::from_secs(1));
    let registry = modules![Config, Pool, Slow];
    let (runtime, _) = registry.boot_async(options).await.unwrap();
    assert_eq!(runtime.len(), 2);
    assert_eq!(runtime.skipped()[0].module, "slow");
    assert!(runtime.skipped()[0]
        .to_string()
        .contains("timed out after 1s"));
    runtime
        .shutdown_async(ShutdownOptions::new())
        .await
        .unwrap();
}

#[test]
fn the_boot_and_shutdown_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let registry = modules![Pool];
    send(&registry.boot_async(BootOptions::new()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let (booted, _) = runtime
        .block_on(registry.boot_async(BootOptions::new()))
        .unwrap();
    let shutdown = booted.shutdown_async(ShutdownOptions::new());
    send(&shutdown);
    runtime.block_on(shutdown).unwrap();
}
