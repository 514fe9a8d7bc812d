use module_registry::Module;

#[derive(Module, Default)]
struct Storage;

#[derive(Module, Default)]
#[module(
    name = "Cache",
    version = "one",
    kind = Database,
    depnds_on = [Storage],
    capabilities = ["cache", "cache"],
    name = "cache",
)]
struct Cache;

fn main() {}
