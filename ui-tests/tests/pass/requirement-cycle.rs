// Modules that depend on each other, with requirements both ways, still compile: the const
// check reads the other module's static, it does not form a cycle of constants. The cycle
// itself is an error of the graph check, at run time or in the build check.
use module_registry::{modules, Module};

#[derive(Module, Default)]
#[module(version = "1.0.0", depends_on = [Pong = "^2"])]
struct Ping;

#[derive(Module, Default)]
#[module(version = "2.1.0", depends_on = [Ping = "^1"])]
struct Pong;

fn main() {
    let error = modules![Ping, Pong].validate().unwrap_err();
    assert!(error.to_string().contains("dependency cycle"), "{error}");
}
