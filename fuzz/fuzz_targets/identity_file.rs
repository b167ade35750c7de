#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sealroom::fuzzing::identity_file(data));
