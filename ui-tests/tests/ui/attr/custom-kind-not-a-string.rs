use module_registry::Module;

#[derive(Module, Default)]
#[module(kind = Custom(Scheduler))]
struct Scheduler;

fn main() {}
