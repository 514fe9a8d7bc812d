//! The registry as data: `to_dot` and `to_json`.

use module_registry::{modules, Module};

/// Keeps "quoted" things.
#[derive(Module, Default)]
#[module(version = "1.2.0", kind = Storage, capabilities = ["storage"])]
struct Storage;

#[derive(Module, Default)]
struct Metrics;

#[derive(Module, Default)]
#[module(depends_on = [Storage = "^1.2"], optional = [Metrics], requires = ["storage"])]
struct Cache;

#[test]
fn dot_has_a_box_per_module_and_an_arrow_per_dependency() {
    let dot = modules![Cache, Storage, Metrics].to_dot();
    assert_eq!(
        dot,
        "digraph modules {\n    rankdir=LR;\n    node [shape=box];\n    \
         \"cache\" [label=\"cache\\n0.1.0\"];\n    \
         \"metrics\" [label=\"metrics\\n0.1.0\"];\n    \
         \"storage\" [label=\"storage\\n1.2.0\"];\n    \
         \"cache\" -> \"metrics\" [style=dashed];\n    \
         \"cache\" -> \"storage\" [label=\"^1.2\"];\n}\n"
    );
    // A dependency missing from the registry is drawn in red.
    assert!(modules![Cache]
        .to_dot()
        .contains("\"cache\" -> \"storage\" [label=\"^1.2\", color=red];"));
}

#[test]
fn json_manifest_parses_and_describes_every_module() {
    let json: serde_json::Value =
        serde_json::from_str(&modules![Cache, Storage, Metrics].to_json()).unwrap();
    let modules = json["modules"].as_array().unwrap();
    let names: Vec<_> = modules
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cache", "metrics", "storage"]);
    let storage = &modules[2];
    assert_eq!(storage["version"], "1.2.0");
    assert_eq!(storage["kind"], "Storage");
    assert_eq!(storage["description"], "Keeps \"quoted\" things.");
    assert_eq!(storage["capabilities"], serde_json::json!(["storage"]));
    assert_eq!(storage["file"], "tests/tests/test_manifest.rs");
    let deps = modules[0]["dependencies"].as_array().unwrap();
    assert_eq!(deps[0]["module"], "storage");
    assert_eq!(deps[0]["requirement"], "^1.2");
    assert_eq!(deps[1]["optional"], true);
    assert_eq!(deps[1]["requirement"], serde_json::Value::Null);
    assert_eq!(
        json["boot_order"],
        serde_json::json!(["metrics", "storage", "cache"])
    );
    // An invalid graph still describes its modules, with no boot order.
    let broken: serde_json::Value = serde_json::from_str(&modules![Cache].to_json()).unwrap();
    assert_eq!(broken["boot_order"], serde_json::json!([]));
}
