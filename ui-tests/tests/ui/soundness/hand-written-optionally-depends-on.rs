// The proof behind `ctx.optional::<T>()` is written by the derive from `optional`, never by
// hand.
use module_registry::{Module, OptionallyDependsOn};

#[derive(Module, Default)]
struct Metrics;

#[derive(Module, Default)]
struct Cache;

impl OptionallyDependsOn<Metrics> for Cache {}

fn main() {}
