use module_registry::{Lifecycle, Module};

#[derive(Module, Default)]
#[module(lifecycle, lifecycle)]
struct Storage;

impl Lifecycle for Storage {}

fn main() {}
