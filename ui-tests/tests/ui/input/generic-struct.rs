use module_registry::Module;

#[derive(Module, Default)]
struct Storage<T> {
    items: Vec<T>,
}

fn main() {}
