use module_registry::{Lifecycle, Module};

#[derive(Module, Default)]
#[module(lifecyle)]
struct Storage;

impl Lifecycle for Storage {}

fn main() {}
