#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stray_fuzz::run("decode_utf16", data));
