#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| module_registry_fuzz::build_scan::run(data));
