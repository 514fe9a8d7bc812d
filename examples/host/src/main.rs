//! The demo host: boots every linked module in dependency order, serves them over HTTP on
//! loopback, and shuts them down in reverse order on Ctrl-C.
//!
//! Environment: `PORT` (default 3000; 0 picks a free port), `HOST_DB` (SQLite file).
//! `host --graph` prints the module graph in Graphviz DOT instead.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use demo_cache::Cache;
use demo_metrics::Metrics;
use module_registry::{Module, ModuleDescriptor, Processor, Registry, Runtime};

// Nothing names the pipeline's processors: they are found through `provides = [dyn Processor]`.
// A crate nothing references is not linked, and its modules would vanish from the registry.
// This line links every module crate the build check (build.rs) found, and tells `validate()`
// and `boot()` which modules to expect.
module_registry::link_modules!();

/// The application's own module: it needs the cache and some processing capability; metrics
/// are welcome but optional.
#[derive(Module, Default)]
#[module(name = "http-api", depends_on = [Cache], optional = [Metrics], requires = ["processing"])]
struct HttpApi;

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

    let runtime = Arc::new(registry.boot()?);
    println!("booted {} modules", runtime.len());

    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio.block_on(serve(Arc::clone(&runtime), port))?;

    println!("shutting down in reverse boot order");
    let runtime = Arc::into_inner(runtime).ok_or("a request still holds the runtime")?;
    let order: Vec<&str> = runtime
        .modules()
        .rev()
        .map(ModuleDescriptor::name)
        .collect();
    runtime.shutdown()?;
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

async fn serve(runtime: Shared, port: u16) -> std::io::Result<()> {
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
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
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
