use module_registry::Module;

#[derive(Module, Default)]
struct Café;

fn main() {}
