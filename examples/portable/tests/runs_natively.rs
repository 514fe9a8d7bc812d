//! The portable programs, as built for this machine, pass every step they check.

#[test]
fn every_step_passes_on_the_host() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portable"))
        .output()
        .expect("the program runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.ends_with("9 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn a_program_that_lists_its_modules_itself_runs_without_the_linked_list() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_explicit"))
        .output()
        .expect("the program runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(stdout, "2 passed, 0 failed\n");
}
