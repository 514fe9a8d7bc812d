// `Module` is implemented by the derive only: a hand-written impl could hand out another
// type's descriptor, and `runtime.get::<Evil>()` would read a `Real` as an `Evil`.
use module_registry::{Context, Lifecycle, Module, ModuleDescriptor, ModuleError};

#[derive(Module, Default)]
struct Real;

struct Evil(String);

impl Lifecycle for Evil {}

impl Module for Evil {
    const DESCRIPTOR: &'static ModuleDescriptor = <Real as Module>::DESCRIPTOR;
    fn __create(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Evil(String::new()))
    }
}

fn main() {}
