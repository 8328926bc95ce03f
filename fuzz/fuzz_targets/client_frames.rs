#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aesc_fuzz::client_frames(data));
