use module_registry::Module;

#[derive(Module, Default)]
#[module = "cache"]
struct Cache;

fn main() {}
