use module_registry::{Lifecycle, Module};

#[derive(Module, Default)]
#[module(name = "storage" "disk", lifecycle)]
struct Storage;

impl Lifecycle for Storage {}

fn main() {}
