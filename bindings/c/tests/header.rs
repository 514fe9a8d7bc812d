//! The checked-in header is what cbindgen generates from the sources.

use std::path::Path;

fn generate() -> String {
    let crate_dir = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(Path::new(crate_dir).join("cbindgen.toml"))
        .expect("cbindgen.toml parses");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn checked_in_header_matches_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/module_registry.h");
    let generated = generate();
    if std::env::var_os("MR_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("header written");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "include/module_registry.h is stale: run `MR_BLESS=1 cargo test -p module-registry-ffi --test header`"
    );
}
