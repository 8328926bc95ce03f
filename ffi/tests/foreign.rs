//! The library from C and from Python: a C program compiled with the system compiler and the
//! sanitizers, and the ctypes wrapper's tests, both against the library built with the node
//! double (see `support`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::process::Command;

use support::{built, recorded_vectors, require_tool, scratch, workspace};

/// Runs `cmd`, failing with its output unless it succeeds.
fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed ({}):\n{stdout}\n{stderr}", out.status);
    eprintln!("{what}:\n{stdout}{stderr}");
    stdout
}

#[test]
fn c_program_runs_clean_under_the_sanitizers() {
    let gcc = require_tool("gcc", "a C compiler (gcc, with libasan and libubsan)");
    let built = built();
    let dir = scratch("c");
    let sources = workspace().join("ffi/tests/c");
    let exe = dir.join("aesc_c_tests");
    let mut compile = Command::new(gcc);
    compile
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-O1"])
        .args(["-fsanitize=address,undefined", "-fno-omit-frame-pointer"])
        .args(["-fno-sanitize-recover=undefined", "-DAESC_NODE_DOUBLE"])
        .arg("-I")
        .arg(workspace().join("ffi/include"));
    for file in ["check.c", "codec.c", "bad_input.c", "lifecycle.c", "policy.c", "reactor.c"] {
        compile.arg(sources.join(file));
    }
    compile
        .arg("-L")
        .arg(&built.lib_dir)
        .arg(format!("-Wl,-rpath,{}", built.lib_dir.display()))
        .args(["-laesc", "-lpthread", "-ldl", "-lm"])
        .arg("-o")
        .arg(&exe);
    run(&mut compile, "compiling the C tests");

    let vectors = dir.join("vectors.tsv");
    let lines: Vec<String> = recorded_vectors()
        .into_iter()
        .map(|(tx, hash, network, signers, kind)| {
            format!("{tx}\t{hash}\t{network}\t{}\t{kind}", signers.join(","))
        })
        .collect();
    std::fs::write(&vectors, lines.join("\n") + "\n").unwrap();
    let stdout = run(
        Command::new(&exe)
            .arg(&vectors)
            .arg(&dir)
            // The library the program was linked with, not one cargo's test paths point to.
            .env("LD_LIBRARY_PATH", &built.lib_dir)
            .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
            .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
        "the C tests",
    );
    assert!(stdout.trim_end().ends_with(" 0 failed"), "{stdout}");
}

#[test]
fn readme_c_example_runs_clean_under_the_sanitizers() {
    let gcc = require_tool("gcc", "a C compiler (gcc, with libasan and libubsan)");
    let example = workspace().join("ffi/examples/channel.c");
    let source = std::fs::read_to_string(&example).unwrap();
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    assert!(readme.contains(&source), "README.md shows ffi/examples/channel.c as it is");
    let built = built();
    let exe = scratch("example").join("channel");
    run(
        Command::new(gcc)
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
            .args(["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"])
            .arg("-I")
            .arg(workspace().join("ffi/include"))
            .arg(&example)
            .arg("-L")
            .arg(&built.lib_dir)
            .arg(format!("-Wl,-rpath,{}", built.lib_dir.display()))
            .arg("-laesc")
            .arg("-o")
            .arg(&exe),
        "compiling the README's example",
    );
    let stdout = run(
        Command::new(&exe)
            .env("LD_LIBRARY_PATH", &built.lib_dir)
            .env("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1"),
        "the README's example",
    );
    assert!(stdout.contains("transferred at round 2"), "{stdout}");
    assert!(stdout.contains("ChannelCloseMutualTx"), "{stdout}");
}

/// The ```python block of the README.
fn readme_python_snippet() -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let start = readme.find("```python\n").expect("a Python snippet") + "```python\n".len();
    let len = readme[start..].find("```").expect("its end");
    readme[start..start + len].to_owned()
}

#[test]
fn readme_python_snippet_runs() {
    let python = require_tool("python3", "Python 3");
    let built = built();
    let script = scratch("snippet").join("snippet.py");
    std::fs::write(&script, readme_python_snippet()).unwrap();
    run(
        Command::new(python)
            .arg(&script)
            .env("AESC_LIB", built.lib_dir.join("libaesc.so"))
            .env("PYTHONPATH", workspace().join("ffi/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        "the README's Python snippet",
    );
}

#[test]
fn python_wrapper_tests_pass() {
    let python = require_tool("python3", "Python 3");
    let built = built();
    let dir = scratch("python");
    run(
        Command::new(python)
            .arg(workspace().join("ffi/tests/python/test_aesc.py"))
            .env("AESC_LIB", built.lib_dir.join("libaesc.so"))
            .env("AESC_VECTORS", workspace().join("tests/data/recorded_vectors.json"))
            .env("AESC_SCRATCH", &dir)
            .env("PYTHONPATH", workspace().join("ffi/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        "the Python tests",
    );
}
