//! Reading inputs and writing one output line per input, as each input arrives.

use std::io::{self, BufRead, Write};

/// One input of a command: its text, or the failure line to print for a line of stdin that is
/// not text.
pub(crate) type Input<'a> = Result<&'a str, serde_json::Value>;

/// Calls `each` with every input of a command, in order: its arguments, or the non-blank lines
/// of stdin when there are none, each passed on as soon as it is read (so a command answers a
/// line before the next one is written). Surrounding whitespace is trimmed. A line of stdin
/// that is not UTF-8 is passed as the failure line naming it, and reading goes on.
///
/// # Errors
/// When stdin cannot be read, or the first error of `each`.
pub(crate) fn inputs(
    args: &[String],
    mut each: impl FnMut(Input<'_>) -> io::Result<()>,
) -> io::Result<()> {
    if !args.is_empty() {
        return args.iter().try_for_each(|a| each(Ok(a.trim())));
    }
    let mut stdin = io::stdin().lock();
    let mut buf = Vec::new();
    let mut number = 0usize;
    loop {
        buf.clear();
        if stdin.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        number += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        match std::str::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => each(Ok(text.trim()))?,
            Err(e) => each(Err(not_utf8(number, line, &e)))?,
        }
    }
}

/// The failure line for line `number` of stdin, which is not UTF-8.
fn not_utf8(number: usize, line: &[u8], e: &std::str::Utf8Error) -> serde_json::Value {
    let text = String::from_utf8_lossy(line);
    let error = format!("line {number} is not UTF-8 (invalid byte at offset {})", e.valid_up_to());
    failure(text.trim(), &error)
}

/// Stdout, written a whole line at a time and flushed after every line.
pub(crate) struct Out {
    inner: io::StdoutLock<'static>,
}

impl Out {
    /// Locks stdout.
    pub(crate) fn new() -> Out {
        Out { inner: io::stdout().lock() }
    }

    /// Writes `text` and a newline, and flushes them.
    ///
    /// # Errors
    /// When stdout cannot be written.
    pub(crate) fn line(&mut self, text: &str) -> io::Result<()> {
        let mut line = String::with_capacity(text.len() + 1);
        line.push_str(text);
        line.push('\n');
        self.inner.write_all(line.as_bytes())?;
        self.inner.flush()
    }

    /// Writes `value` as compact JSON on one line, and flushes it.
    ///
    /// # Errors
    /// When stdout cannot be written.
    pub(crate) fn json(&mut self, value: &serde_json::Value) -> io::Result<()> {
        self.line(&value.to_string())
    }
}

/// The line reported for an input that failed: `{"input": …, "error": …}`.
pub(crate) fn failure(input: &str, error: &dyn std::fmt::Display) -> serde_json::Value {
    serde_json::json!({ "input": input, "error": error.to_string() })
}
