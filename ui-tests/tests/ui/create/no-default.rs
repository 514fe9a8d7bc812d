use module_registry::Module;

#[derive(Module)]
struct Cache {
    capacity: usize,
}

fn main() {}
