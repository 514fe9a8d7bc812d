use module_registry::Module;

#[derive(Module)]
union Storage {
    bytes: u64,
    words: u32,
}

fn main() {}
