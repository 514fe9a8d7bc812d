#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| module_registry_fuzz::dynamic_model::run(data));
