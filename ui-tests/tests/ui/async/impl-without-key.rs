use module_registry::{AsyncLifecycle, Module};

#[derive(Module, Default)]
#[module(lifecycle)]
struct Pool;

impl module_registry::Lifecycle for Pool {}

impl AsyncLifecycle for Pool {}

fn main() {}
