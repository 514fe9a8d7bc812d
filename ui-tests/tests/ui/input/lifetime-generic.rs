use module_registry::Module;

#[derive(Module, Default)]
struct Storage<'a> {
    name: &'a str,
}

fn main() {}
