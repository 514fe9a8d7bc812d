use std::rc::Rc;

use module_registry::Module;

#[derive(Module, Default)]
struct Storage {
    bytes: Rc<Vec<u8>>,
}

fn main() {}
