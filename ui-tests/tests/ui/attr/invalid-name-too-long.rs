use module_registry::Module;

#[derive(Module, Default)]
#[module(name = "a-very-long-module-name-that-goes-on-and-on-well-past-sixty-four-chars")]
struct Network;

fn main() {}
