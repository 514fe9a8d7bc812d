use module_registry::Module;

#[derive(Module)]
struct Storage<const N: usize> {
    slots: [u8; N],
}

fn main() {}
