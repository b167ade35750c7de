#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sealroom_engine::fuzzing::invitation(data));
