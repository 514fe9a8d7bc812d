use module_registry::Module;

#[derive(Module, Default)]
#[module(nmae = "storage", version = "1")]
struct Storage<T> {
    items: Vec<T>,
}

fn main() {}
