//! Why a recording could not be read: the file, or the line of the text that broke the format.

use std::fmt;
use std::path::PathBuf;

/// Why a recording could not be read.
#[derive(Debug)]
pub enum RecordingError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A header was not followed by what it announces.
    MissingBody {
        /// 1-based line of the header.
        line: usize,
        /// What was expected.
        expected: &'static str,
    },
    /// A frame body is not valid JSON.
    Json {
        /// 1-based line where the body starts.
        line: usize,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// A line that is neither a header nor part of a body.
    UnexpectedLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
}

impl fmt::Display for RecordingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordingError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            RecordingError::MissingBody { line, expected } => {
                write!(f, "line {line}: header without {expected}")
            }
            RecordingError::Json { line, source } => write!(f, "line {line}: bad JSON: {source}"),
            RecordingError::UnexpectedLine { line, text } => {
                write!(f, "line {line}: unexpected line {text:?}")
            }
        }
    }
}

impl std::error::Error for RecordingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RecordingError::Io { source, .. } => Some(source),
            RecordingError::Json { source, .. } => Some(source),
            _ => None,
        }
    }
}
