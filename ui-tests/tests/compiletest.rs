// Snapshots are blessed with rustc 1.95.0 (stable); another compiler may word errors differently.
// Regenerate: TRYBUILD=overwrite cargo test -p module-registry-ui-tests, then read the diff.
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/**/*.rs");
    t.pass("tests/pass/*.rs");
}
