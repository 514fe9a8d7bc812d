use module_registry::Module;

#[derive(Module, Default)]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Cache, Storage = "1.2.3.4", Storage])]
struct Cache;

fn main() {}
