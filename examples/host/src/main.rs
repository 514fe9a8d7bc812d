//! The demo host: boots every linked module with `boot_async` (each module as soon as its
//! dependencies are up; the SQLite open and the HTTP bind are async hooks), serves them over
//! HTTP on loopback, and shuts them down, dependents first, on Ctrl-C.
//!
//! Environment: `PORT` (default 3000; 0 picks a free port), `HOST_DB` (SQLite file).
//! `host --graph` prints the module graph in Graphviz DOT instead.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use demo_cache::Cache;
use demo_metrics::Metrics;
use module_registry::runtime::{BootOptions, ShutdownOptions};
use module_registry::{
    Context, Module, ModuleDescriptor, ModuleError, Processor, Registry, Runtime,
};
use tokio::net::TcpListener;

// Nothing names the pipeline's processors: they are found through `provides = [dyn Processor]`.
// A crate nothing references is not linked, and its modules would vanish from the registry.
// This line links every module crate the build check (build.rs) found, and tells `validate()`
// and `boot()` which modules to expect.
module_registry::link_modules!();

/// The application's own module: it needs the cache and some processing capability; metrics
/// are welcome but optional. Its async `create` binds the listening socket (`PORT`, default
/// 3000; 0 picks a free port), so a port in use fails the boot and rolls it back.
#[derive(Module)]
#[module(name = "http-api", depends_on = [Cache], optional = [Metrics], requires = ["processing"],
         create = async HttpApi::bind)]
struct HttpApi {
    listener: Mutex<Option<TcpListener>>,
}

impl HttpApi {
    async fn bind(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        let port: u16 = std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(3000);
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        Ok(HttpApi {
            listener: Mutex::new(Some(listener)),
        })
    }
}

type Shared = Arc<Runtime>;
type Reply = (StatusCode, String);

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::global();
    // `host --graph | dot -Tsvg > graph.svg` draws what is linked (docs/module_graph.svg).
    if std::env::args().nth(1).as_deref() == Some("--graph") {
        print!("{}", registry.to_dot());
        return Ok(());
    }
    print_modules(registry);

    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let options = BootOptions::new()
        .hook_timeout(Duration::from_secs(10))
        .deadline(Duration::from_secs(30))
        .cleanup_timeout(Duration::from_secs(10));
    let (runtime, report) = tokio.block_on(registry.boot_async(options))?;
    println!("booted {} modules", runtime.len());
    print!("{report}");
    let listener = runtime
        .get::<HttpApi>()
        .and_then(|api| api.listener.lock().ok()?.take())
        .ok_or("http-api holds no listener")?;

    let runtime = Arc::new(runtime);
    tokio.block_on(serve(Arc::clone(&runtime), listener))?;

    println!("shutting down, dependents first");
    let runtime = Arc::into_inner(runtime).ok_or("a request still holds the runtime")?;
    let order: Vec<&str> = runtime
        .modules()
        .rev()
        .map(ModuleDescriptor::name)
        .collect();
    let options = ShutdownOptions::new().hook_timeout(Duration::from_secs(10));
    tokio.block_on(runtime.shutdown_async(options))?;
    println!("cleaned up: {}", order.join(", "));
    Ok(())
}

fn print_modules(registry: &Registry) {
    let mut modules: Vec<_> = registry.modules().collect();
    modules.sort_by_key(|d| d.name());
    println!("{} modules linked:", modules.len());
    for d in modules {
        println!(
            "  {} {} ({}) at {}",
            d.name(),
            d.version(),
            d.kind(),
            d.location()
        );
        if !d.capabilities().is_empty() {
            println!("      provides: {}", d.capabilities().join(", "));
        }
        for dep in d.dependencies() {
            let req = dep
                .version_req()
                .map(|r| format!(" {r}"))
                .unwrap_or_default();
            let optional = if dep.is_optional() { " (optional)" } else { "" };
            println!("      needs {}{req}{optional}", dep.name());
        }
    }
    match registry.init_order() {
        Ok(order) => {
            let names: Vec<_> = order.iter().map(|d| d.name()).collect();
            println!("init order: {}", names.join(" -> "));
        }
        Err(errors) => println!("{errors}"),
    }
}

async fn serve(runtime: Shared, listener: TcpListener) -> std::io::Result<()> {
    let app = Router::new()
        .route("/modules", get(modules))
        .route("/kv/{key}", get(get_value).put(put_value))
        .route("/process/{name}", post(process_one))
        .route("/pipeline", post(pipeline))
        .route("/metrics", get(metrics))
        .route("/graph.dot", get(|| async { Registry::global().to_dot() }))
        .route(
            "/manifest.json",
            get(|| async { Registry::global().to_json() }),
        )
        .with_state(runtime);
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

fn cache(rt: &Runtime) -> Result<&Cache, Reply> {
    rt.get::<Cache>().ok_or((
        StatusCode::SERVICE_UNAVAILABLE,
        "cache is not running\n".to_owned(),
    ))
}

fn failed(e: impl std::fmt::Display) -> Reply {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n"))
}

async fn modules(State(rt): State<Shared>) -> String {
    rt.modules()
        .map(|d| format!("{} {}\n", d.name(), d.version()))
        .collect()
}

async fn get_value(State(rt): State<Shared>, Path(key): Path<String>) -> Result<Vec<u8>, Reply> {
    match cache(&rt)?.get(&key).map_err(failed)? {
        Some(v) => Ok(v),
        None => Err((StatusCode::NOT_FOUND, format!("no value for {key}\n"))),
    }
}

async fn put_value(
    State(rt): State<Shared>,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<StatusCode, Reply> {
    cache(&rt)?.put(&key, body.to_vec()).map_err(failed)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn process_one(
    State(rt): State<Shared>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Vec<u8>, Reply> {
    let processor = rt.processor(&name).ok_or((
        StatusCode::NOT_FOUND,
        format!("no processor named {name}\n"),
    ))?;
    processor
        .process(&body)
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, format!("{name}: {e}\n")))
}

/// Every processor, in boot order (ties by name), each feeding the next.
async fn pipeline(State(rt): State<Shared>, body: Bytes) -> Result<Vec<u8>, Reply> {
    let mut data = body.to_vec();
    for p in rt.all::<dyn Processor>() {
        data = p
            .process(&data)
            .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, format!("{e}\n")))?;
    }
    Ok(data)
}

async fn metrics(State(rt): State<Shared>) -> String {
    let mut out = String::new();
    if let Some(m) = rt.get::<Metrics>() {
        for (name, n) in m.snapshot() {
            out.push_str(&format!("{name} {n}\n"));
        }
    }
    for m in rt.metrics() {
        out.push_str(&format!(
            "module.{}.init_us {}\n",
            m.name,
            (m.create_time + m.init_time).as_micros()
        ));
    }
    out
}
