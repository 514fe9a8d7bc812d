//! `Registry::boot_async`: async and synchronous hooks together, started as soon as their
//! dependencies are up, within the concurrency limit, with a report.
#![cfg(feature = "async")]

use std::sync::Arc;
use std::time::Duration;

use module_registry::runtime::{BootOptions, Outcome};
use module_registry::{modules, AsyncLifecycle, Context, Lifecycle, Module, ModuleError};

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
        Ok(Repo { pool: ctx.dep::<Pool>() })
    }
}

#[derive(Module, Default)]
#[module(lifecycle)]
pub struct Config;

impl Lifecycle for Config {}

#[tokio::test(start_paused = true)]
async fn async_and_sync_modules_boot_together() {
    let registry = modules![Pool, Repo, Config];
    let (runtime, report) = registry.boot_async(BootOptions::new()).await.unwrap();
    assert!(runtime.get::<Repo>().unwrap().pool.open);
    assert!(runtime.get::<Config>().is_some());
    assert!(report.modules.iter().all(|m| m.outcome == Outcome::Started));
    assert_eq!(report.critical_path, ["pool", "repo"]);
    assert_eq!(report.total, Duration::from_millis(45));
    println!("{report}");
    runtime.shutdown_async(Default::default()).await.unwrap();
}
