// A module reaches only what it declared: the proof that `Cache` depends on `Secret` is
// written by the derive from `depends_on`, never by hand.
use module_registry::{DependsOn, Module};

#[derive(Module, Default)]
struct Secret;

#[derive(Module, Default)]
struct Cache;

impl DependsOn<Secret> for Cache {}

fn main() {}
