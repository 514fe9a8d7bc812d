use module_registry::Module;

// The only error is Storage's own: Cache's requirement is not checked against a stub.
#[derive(Module, Default)]
#[module(version = "1.2.0", kind = Database)]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage = "^1.2"])]
struct Cache;

fn main() {}
