use module_registry::Module;

#[derive(Module, Default)]
struct Storage
where
    u8: Copy,
{
    bytes: Vec<u8>,
}

fn main() {}
