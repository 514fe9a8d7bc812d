use module_registry::Module;

#[derive(Module, Default)]
#[module(capabilities = ["storage", "Key Value"])]
struct Storage;

fn main() {}
