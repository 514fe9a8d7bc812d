// A caster turns a module's instance pointer into a trait object; forging one for another
// type would read one type as another, so only the derive can build one.
use module_registry::{ModuleError, Processor};

struct Upper;

impl Processor for Upper {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.to_ascii_uppercase())
    }
}

fn cast(p: *const ()) -> *const dyn Processor {
    p as *const Upper as *const dyn Processor
}

fn main() {
    let _ = module_registry::__private::Caster::<dyn Processor>::new(cast);
}
