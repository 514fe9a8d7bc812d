use module_registry::Module;

#[derive(Module, Default)]
#[module(name = "Net")]
struct Network;

fn main() {}
