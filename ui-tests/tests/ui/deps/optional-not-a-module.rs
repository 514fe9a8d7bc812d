use module_registry::Module;

struct Metrics;

#[derive(Module, Default)]
#[module(optional = [Metrics])]
struct Cache;

fn main() {}
