//! Scan arbitrary bytes for secrets: no panic, and no message may hold a matched secret
//! beyond its four-character prefix.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static SCANNER: LazyLock<kvet_secrets::Scanner> = LazyLock::new(kvet_secrets::Scanner::default);

fuzz_target!(|data: &[u8]| {
    for f in SCANNER.scan_bytes("f", data) {
        assert!(f.message.ends_with("****"), "{}", f.message);
    }
});
