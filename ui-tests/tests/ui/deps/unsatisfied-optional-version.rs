use module_registry::Module;

#[derive(Module, Default)]
#[module(version = "0.9.1-beta.2")]
struct Metrics;

#[derive(Module, Default)]
#[module(optional = [Metrics = ">=0.9, <1"])]
struct Cache;

fn main() {}
