//! The build check on arbitrary source: reading, scanning, checking and rendering a package
//! whose `src/lib.rs` (and `src/m.rs`) is the input never panics. Hangs are caught by the
//! fuzzer's per-input time limit (`-timeout`).

use std::path::PathBuf;
use std::sync::OnceLock;

use module_registry_build::Checker;

const MANIFEST: &str = r#"[package]
name = "fuzzed"
version = "0.1.0"
edition = "2021"

[dependencies]
module-registry = "0.1"

[workspace]
"#;

/// A package directory of this process, written once.
fn package() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("module-registry-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("out")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), MANIFEST).unwrap();
        dir
    })
}

/// The input is `src/lib.rs`; after a NUL byte, the rest is `src/m.rs` (reached by `mod m;`).
pub fn run(data: &[u8]) {
    let dir = package();
    let (lib, m) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    match m {
        Some(m) => std::fs::write(dir.join("src/m.rs"), m).unwrap(),
        None => {
            let _ = std::fs::remove_file(dir.join("src/m.rs"));
        }
    }
    let checker = Checker::new()
        .manifest_dir(dir)
        .out_dir(dir.join("out"))
        .cargo_home(dir.join("cargo-home"))
        .require_capability("storage");
    if let Ok(report) = checker.check() {
        let _ = report.render();
        if report.is_ok() {
            checker.write_artifacts(&report).unwrap();
        }
    }
}
