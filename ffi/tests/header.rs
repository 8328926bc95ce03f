//! The checked-in header is what cbindgen generates from the source.
//!
//! `AESC_BLESS_HEADER=1 cargo test -p aesc-ffi --test header` rewrites it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

#[test]
fn checked_in_header_matches_a_fresh_generation() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    // cbindgen writes no string constants: the version macro is added here.
    config.after_includes = Some(format!(
        "\n// The version of the library this header belongs to; compare it with aesc_version().\n\
         #define AESC_VERSION \"{}\"",
        env!("CARGO_PKG_VERSION")
    ));
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut fresh);
    let fresh = String::from_utf8(fresh).unwrap();
    let path = crate_dir.join("include/aesc.h");
    if std::env::var_os("AESC_BLESS_HEADER").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "ffi/include/aesc.h is not what cbindgen generates from the source; regenerate it with \
         AESC_BLESS_HEADER=1 cargo test -p aesc-ffi --test header"
    );
}

#[test]
fn the_header_has_the_version_macro_and_no_rust_only_items() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/aesc.h"))
            .unwrap();
    assert!(header.contains(&format!("#define AESC_VERSION \"{}\"", env!("CARGO_PKG_VERSION"))));
    assert!(header.contains("const char *aesc_version(void);"));
    for rust_only in ["Failure", "CallbackPolicy", "OutStr"] {
        assert!(!header.contains(rust_only), "{rust_only} leaked into the header");
    }
}
