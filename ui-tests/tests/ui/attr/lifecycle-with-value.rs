use module_registry::Module;

#[derive(Module, Default)]
#[module(lifecycle = true)]
struct Storage;

impl module_registry::Lifecycle for Storage {}

fn main() {}
