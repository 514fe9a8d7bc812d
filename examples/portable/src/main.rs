//! One program, unchanged, for every platform the registry runs on: it declares modules here
//! and in a plugin crate, validates and boots them, reaches them by type, by name and through
//! a trait object, registers one more at run time, and shuts everything down. Each step prints
//! a line; the last line counts them, and the exit status is non-zero if one failed.

use std::sync::{Arc, Mutex};

use module_registry::{
    Context, DynModule, Lifecycle, Module, ModuleConfig, ModuleError, ModuleRegistry, ModuleType,
    Registry,
};
use portable_plugin::Store;

module_registry::link_modules!();

/// What cleanups ran, in order.
static CLEANED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Caches what the store keeps.
#[derive(Module)]
#[module(depends_on = [Store = "^1.2"], requires = ["kv"], create = Cache::new, lifecycle)]
pub struct Cache {
    store: Arc<Store>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Cache {
            store: ctx.dep::<Store>(),
        })
    }
}

impl Lifecycle for Cache {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        self.store.put("greeting", b"hello");
        Ok(())
    }

    fn cleanup(&mut self) -> Result<(), ModuleError> {
        CLEANED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push("cache");
        Ok(())
    }
}

/// A module registered at run time.
struct Reverse;

impl DynModule for Reverse {
    fn name(&self) -> &str {
        "reverse"
    }
    fn version(&self) -> &str {
        "1.0.0"
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::DataProcessor
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.iter().rev().copied().collect())
    }
}

fn main() {
    let mut steps = Steps::default();
    let registry = Registry::global();
    let mut names: Vec<&str> = registry.modules().map(|d| d.name()).collect();
    names.sort_unstable();
    steps.check("linked", names == ["cache", "shout", "store"], &names);
    steps.check(
        "validate",
        registry.validate().is_ok(),
        &registry.validate(),
    );
    let order: Vec<&str> = match registry.init_order() {
        Ok(order) => order.iter().map(|d| d.name()).collect(),
        Err(_) => Vec::new(),
    };
    steps.check("init order", order.ends_with(&["store", "cache"]), &order);
    let runtime = match registry.boot() {
        Ok(runtime) => runtime,
        Err(e) => return steps.fail("boot", &e),
    };
    let cached = runtime.get::<Cache>().and_then(|c| c.store.get("greeting"));
    steps.check("get", cached.as_deref() == Some(b"hello"), &cached);
    let shouted = runtime.processor("shout").map(|p| p.process(b"quiet"));
    let loud = matches!(&shouted, Some(Ok(v)) if v == b"QUIET");
    steps.check("processor", loud, &shouted);
    dynamic(&mut steps);
    let down = runtime.shutdown();
    let cleaned = CLEANED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    steps.check(
        "shutdown",
        down.is_ok() && cleaned == ["cache"],
        &(down, cleaned),
    );
    steps.finish();
}

/// The FAQ's API: the linked modules are there, one more registers, and both are created.
fn dynamic(steps: &mut Steps) {
    let registry = ModuleRegistry::new();
    let config = ModuleConfig::new()
        .with_name("reverse")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor)
        .with_factory(|_| Ok(Box::new(Reverse)));
    let registered = registry.register(config);
    steps.check("register", registered.is_ok(), &registered);
    let reversed = registry
        .create("reverse")
        .and_then(|i| Ok(i.process(b"abc")?));
    steps.check(
        "create",
        matches!(&reversed, Ok(v) if v == b"cba"),
        &reversed,
    );
    let shouted = registry
        .create("shout")
        .and_then(|i| Ok(i.process(b"abc")?));
    steps.check(
        "create linked",
        matches!(&shouted, Ok(v) if v == b"ABC"),
        &shouted,
    );
}

/// Counts the steps and prints one line each.
#[derive(Default)]
struct Steps {
    passed: usize,
    failed: usize,
}

impl Steps {
    fn check(&mut self, step: &str, ok: bool, detail: &dyn std::fmt::Debug) {
        if ok {
            self.passed += 1;
            println!("ok {step}");
        } else {
            self.failed += 1;
            println!("FAILED {step}: {detail:?}");
        }
    }

    fn fail(mut self, step: &str, detail: &dyn std::fmt::Debug) {
        self.check(step, false, detail);
        self.finish();
    }

    fn finish(self) {
        println!("{} passed, {} failed", self.passed, self.failed);
        if self.failed > 0 {
            std::process::exit(1);
        }
    }
}
