//! Reading inputs and writing one output line per input.

use std::io::{self, BufRead, Write};

/// The inputs of a command: its arguments, or the non-blank lines of stdin when there are none.
/// Surrounding whitespace is trimmed.
///
/// # Errors
/// When stdin cannot be read.
pub(crate) fn inputs(args: &[String]) -> io::Result<Vec<String>> {
    if !args.is_empty() {
        return Ok(args.iter().map(|a| a.trim().to_owned()).collect());
    }
    let mut out = Vec::new();
    for line in io::stdin().lock().lines() {
        let line = line?;
        let line = line.trim();
        if !line.is_empty() {
            out.push(line.to_owned());
        }
    }
    Ok(out)
}

/// Buffered stdout writing whole lines.
pub(crate) struct Out {
    inner: io::BufWriter<io::StdoutLock<'static>>,
}

impl Out {
    /// Locks stdout.
    pub(crate) fn new() -> Out {
        Out { inner: io::BufWriter::new(io::stdout().lock()) }
    }

    /// Writes `text` and a newline.
    ///
    /// # Errors
    /// When stdout cannot be written.
    pub(crate) fn line(&mut self, text: &str) -> io::Result<()> {
        self.inner.write_all(text.as_bytes())?;
        self.inner.write_all(b"\n")
    }

    /// Writes `value` as compact JSON on one line.
    ///
    /// # Errors
    /// When stdout cannot be written.
    pub(crate) fn json(&mut self, value: &serde_json::Value) -> io::Result<()> {
        self.line(&value.to_string())
    }

    /// Flushes everything written.
    ///
    /// # Errors
    /// When stdout cannot be written.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The line reported for an input that failed: `{"input": …, "error": …}`.
pub(crate) fn failure(input: &str, error: &dyn std::fmt::Display) -> serde_json::Value {
    serde_json::json!({ "input": input, "error": error.to_string() })
}
