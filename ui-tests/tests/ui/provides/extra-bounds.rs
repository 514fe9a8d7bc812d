use module_registry::Module;

pub trait Api {}

#[derive(Module, Default)]
#[module(provides = [dyn Api + Send + Sync])]
struct Storage;

impl Api for Storage {}

fn main() {}
