//! `boot_async` of a 100-module graph of 10 layers of 10 (module `m<l><j>` depends on
//! `m<l-1><j>` and `m<l-1><(3j+1) mod 10>`, so every path from a root to a leaf has 10 modules:
//! the critical path's depth is D = 10), beside the synchronous `boot()` of the same graph.
//!
//! Bars: with `initialize` sleeping 10 ms, boot_async <= D x 10 ms x 1.05 + 1 ms (the
//! synchronous boot takes 100 x 10 ms); with empty hooks, boot_async per module <= 2x boot()
//! per module. Run: `cargo bench --manifest-path bench/Cargo.toml -p registry-bench-async`.

use std::time::{Duration, Instant};

use module_registry::runtime::{BootOptions, ShutdownOptions};
use module_registry::Registry;

const D: u32 = 10;
const SLEEP: Duration = Duration::from_millis(10);

macro_rules! graph {
    ($node:ident) => {
        $node!(M00, []);
        $node!(M01, []);
        $node!(M02, []);
        $node!(M03, []);
        $node!(M04, []);
        $node!(M05, []);
        $node!(M06, []);
        $node!(M07, []);
        $node!(M08, []);
        $node!(M09, []);
        $node!(M10, [M00, M01]);
        $node!(M11, [M01, M04]);
        $node!(M12, [M02, M07]);
        $node!(M13, [M00, M03]);
        $node!(M14, [M03, M04]);
        $node!(M15, [M05, M06]);
        $node!(M16, [M06, M09]);
        $node!(M17, [M02, M07]);
        $node!(M18, [M05, M08]);
        $node!(M19, [M08, M09]);
        $node!(M20, [M10, M11]);
        $node!(M21, [M11, M14]);
        $node!(M22, [M12, M17]);
        $node!(M23, [M10, M13]);
        $node!(M24, [M13, M14]);
        $node!(M25, [M15, M16]);
        $node!(M26, [M16, M19]);
        $node!(M27, [M12, M17]);
        $node!(M28, [M15, M18]);
        $node!(M29, [M18, M19]);
        $node!(M30, [M20, M21]);
        $node!(M31, [M21, M24]);
        $node!(M32, [M22, M27]);
        $node!(M33, [M20, M23]);
        $node!(M34, [M23, M24]);
        $node!(M35, [M25, M26]);
        $node!(M36, [M26, M29]);
        $node!(M37, [M22, M27]);
        $node!(M38, [M25, M28]);
        $node!(M39, [M28, M29]);
        $node!(M40, [M30, M31]);
        $node!(M41, [M31, M34]);
        $node!(M42, [M32, M37]);
        $node!(M43, [M30, M33]);
        $node!(M44, [M33, M34]);
        $node!(M45, [M35, M36]);
        $node!(M46, [M36, M39]);
        $node!(M47, [M32, M37]);
        $node!(M48, [M35, M38]);
        $node!(M49, [M38, M39]);
        $node!(M50, [M40, M41]);
        $node!(M51, [M41, M44]);
        $node!(M52, [M42, M47]);
        $node!(M53, [M40, M43]);
        $node!(M54, [M43, M44]);
        $node!(M55, [M45, M46]);
        $node!(M56, [M46, M49]);
        $node!(M57, [M42, M47]);
        $node!(M58, [M45, M48]);
        $node!(M59, [M48, M49]);
        $node!(M60, [M50, M51]);
        $node!(M61, [M51, M54]);
        $node!(M62, [M52, M57]);
        $node!(M63, [M50, M53]);
        $node!(M64, [M53, M54]);
        $node!(M65, [M55, M56]);
        $node!(M66, [M56, M59]);
        $node!(M67, [M52, M57]);
        $node!(M68, [M55, M58]);
        $node!(M69, [M58, M59]);
        $node!(M70, [M60, M61]);
        $node!(M71, [M61, M64]);
        $node!(M72, [M62, M67]);
        $node!(M73, [M60, M63]);
        $node!(M74, [M63, M64]);
        $node!(M75, [M65, M66]);
        $node!(M76, [M66, M69]);
        $node!(M77, [M62, M67]);
        $node!(M78, [M65, M68]);
        $node!(M79, [M68, M69]);
        $node!(M80, [M70, M71]);
        $node!(M81, [M71, M74]);
        $node!(M82, [M72, M77]);
        $node!(M83, [M70, M73]);
        $node!(M84, [M73, M74]);
        $node!(M85, [M75, M76]);
        $node!(M86, [M76, M79]);
        $node!(M87, [M72, M77]);
        $node!(M88, [M75, M78]);
        $node!(M89, [M78, M79]);
        $node!(M90, [M80, M81]);
        $node!(M91, [M81, M84]);
        $node!(M92, [M82, M87]);
        $node!(M93, [M80, M83]);
        $node!(M94, [M83, M84]);
        $node!(M95, [M85, M86]);
        $node!(M96, [M86, M89]);
        $node!(M97, [M82, M87]);
        $node!(M98, [M85, M88]);
        $node!(M99, [M88, M89]);

        pub fn registry() -> module_registry::Registry {
            module_registry::modules![
                M00, M01, M02, M03, M04, M05, M06, M07, M08, M09, M10, M11, M12, M13, M14, M15,
                M16, M17, M18, M19, M20, M21, M22, M23, M24, M25, M26, M27, M28, M29, M30, M31,
                M32, M33, M34, M35, M36, M37, M38, M39, M40, M41, M42, M43, M44, M45, M46, M47,
                M48, M49, M50, M51, M52, M53, M54, M55, M56, M57, M58, M59, M60, M61, M62, M63,
                M64, M65, M66, M67, M68, M69, M70, M71, M72, M73, M74, M75, M76, M77, M78, M79,
                M80, M81, M82, M83, M84, M85, M86, M87, M88, M89, M90, M91, M92, M93, M94, M95,
                M96, M97, M98, M99
            ]
        }
    };
}

/// `initialize` awaits `tokio::time::sleep(10 ms)`.
mod tokio_sleep {
    use module_registry::{AsyncLifecycle, Module, ModuleError};
    macro_rules! node {
        ($name:ident, [$($dep:ident),*]) => {
            #[derive(Module, Default)]
            #[module(depends_on = [$($dep),*], lifecycle = async)]
            pub struct $name;
            impl AsyncLifecycle for $name {
                async fn initialize(&mut self) -> Result<(), ModuleError> {
                    tokio::time::sleep(super::SLEEP).await;
                    Ok(())
                }
            }
        };
    }
    graph!(node);
}

/// `initialize` awaits a thread of the blocking pool that sleeps 10 ms: I/O that takes 10 ms,
/// without the timer wheel's 1 ms granularity.
mod io_wait {
    use module_registry::{AsyncLifecycle, Module, ModuleError};
    macro_rules! node {
        ($name:ident, [$($dep:ident),*]) => {
            #[derive(Module, Default)]
            #[module(depends_on = [$($dep),*], lifecycle = async)]
            pub struct $name;
            impl AsyncLifecycle for $name {
                async fn initialize(&mut self) -> Result<(), ModuleError> {
                    tokio::task::spawn_blocking(|| std::thread::sleep(super::SLEEP))
                        .await
                        .map_err(|e| ModuleError::new(e.to_string()))
                }
            }
        };
    }
    graph!(node);
}

/// `initialize` blocks the thread for 10 ms: the synchronous boot.
mod blocking {
    use module_registry::{Lifecycle, Module, ModuleError};
    macro_rules! node {
        ($name:ident, [$($dep:ident),*]) => {
            #[derive(Module, Default)]
            #[module(depends_on = [$($dep),*], lifecycle)]
            pub struct $name;
            impl Lifecycle for $name {
                fn initialize(&mut self) -> Result<(), ModuleError> {
                    std::thread::sleep(super::SLEEP);
                    Ok(())
                }
            }
        };
    }
    graph!(node);
}

/// Empty synchronous hooks.
mod empty_sync {
    use module_registry::Module;
    macro_rules! node {
        ($name:ident, [$($dep:ident),*]) => {
            #[derive(Module, Default)]
            #[module(depends_on = [$($dep),*])]
            pub struct $name;
        };
    }
    graph!(node);
}

/// Empty async hooks: `create = async`, `lifecycle = async`.
mod empty_async {
    use module_registry::{AsyncLifecycle, Context, Module, ModuleError};
    macro_rules! node {
        ($name:ident, [$($dep:ident),*]) => {
            #[derive(Module)]
            #[module(depends_on = [$($dep),*], create = async $name::new, lifecycle = async)]
            pub struct $name;
            impl $name {
                async fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
                    Ok($name)
                }
            }
            impl AsyncLifecycle for $name {}
        };
    }
    graph!(node);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The median wall time of `runs` async boots (the runtime is shut down outside the timing).
fn time_async(rt: &tokio::runtime::Runtime, registry: &Registry, runs: usize) -> Duration {
    let _ = registry.init_order();
    let times = (0..runs)
        .map(|_| {
            rt.block_on(async {
                let t = Instant::now();
                let (runtime, _) = registry.boot_async(BootOptions::new()).await.unwrap();
                let took = t.elapsed();
                runtime
                    .shutdown_async(ShutdownOptions::new())
                    .await
                    .unwrap();
                took
            })
        })
        .collect();
    median(times)
}

/// The median wall time of `runs` synchronous boots.
fn time_sync(registry: &Registry, runs: usize) -> Duration {
    let _ = registry.init_order();
    let times = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let runtime = registry.boot().unwrap();
            let took = t.elapsed();
            drop(runtime);
            took
        })
        .collect();
    median(times)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "meets the bar"
    } else {
        "MISSES the bar"
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let n = 100;
    let bar = SLEEP * D * 105 / 100 + Duration::from_millis(1);
    println!("# 100 modules, critical-path depth D = {D}, initialize sleeps 10 ms; bar: boot_async <= {bar:.1?}");
    let (_, report) = rt
        .block_on(io_wait::registry().boot_async(BootOptions::new()))
        .unwrap();
    println!("# critical path: {}", report.critical_path.join(" -> "));
    let io = time_async(&rt, &io_wait::registry(), 15);
    println!(
        "boot_async, I/O wait (blocking-pool sleep): {io:.1?}  {}",
        verdict(io <= bar)
    );
    let timer = time_async(&rt, &tokio_sleep::registry(), 15);
    println!(
        "boot_async, tokio::time::sleep: {timer:.1?}  {}",
        verdict(timer <= bar)
    );
    let sync = time_sync(&blocking::registry(), 3);
    println!("boot(), thread::sleep: {sync:.1?}");

    // Interleaved, one boot of each form per round, so that load from other jobs on the
    // machine hits every form alike.
    let runs = 2001;
    let forms = [
        empty_sync::registry(),
        empty_sync::registry(),
        empty_async::registry(),
    ];
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..runs {
        times[0].push(time_sync(&forms[0], 1));
        times[1].push(time_async(&rt, &forms[1], 1));
        times[2].push(time_async(&rt, &forms[2], 1));
    }
    let [sync_empty, async_of_sync, async_empty] = times.map(|t| median(t) / n);
    let limit = sync_empty * 2;
    println!("# empty hooks, per module (median of {runs} boots, interleaved); bar: boot_async <= 2 x boot() = {limit:.0?}");
    println!("boot(), empty sync hooks: {sync_empty:.0?}");
    println!(
        "boot_async, empty sync hooks: {async_of_sync:.0?}  {}",
        verdict(async_of_sync <= limit)
    );
    println!(
        "boot_async, empty async hooks: {async_empty:.0?}  {}",
        verdict(async_empty <= limit)
    );
}
