use module_registry::Module;

struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage])]
struct Cache;

fn main() {}
