use module_registry::Module;

#[derive(Module, Default)]
#[module(name = "storage"bogus, capabilities = ["kv"x])]
struct Storage;

fn main() {}
