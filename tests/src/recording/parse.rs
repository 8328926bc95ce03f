//! The text formats of recordings (scraped pages and markdown, see the [module
//! docs](super)): header lines, and the URL, note or JSON body each announces.

use serde_json::Value;

use super::error::RecordingError;
use super::session::{Direction, Recording, Role, Step};

/// The kinds of header lines.
enum Header {
    Connect,
    Close,
    Frame(Direction),
    Note,
}

/// Recognises `initiator <--- node` and friends (after an optional `#### `). Text glued to the
/// end of a `closes WebSocket connection` line by the page scraper is ignored.
fn parse_header(line: &str) -> Option<(Role, Header)> {
    let line = line.strip_prefix("#### ").unwrap_or(line).trim_end();
    let (who, rest) = line.split_once(' ')?;
    let role = Role::from_name(who)?;
    let header = match rest {
        "<--- node" => Header::Frame(Direction::FromNode),
        "---> node" => Header::Frame(Direction::ToNode),
        "info" => Header::Note,
        "opens a WebSocket connection" => Header::Connect,
        r if r.starts_with("closes WebSocket connection") => Header::Close,
        _ => return None,
    };
    Some((role, header))
}

/// A cursor over the lines of a text, keeping byte offsets.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset of the next line.
    pos: usize,
    /// 1-based number of the next line.
    number: usize,
}

impl<'a> Lines<'a> {
    fn peek(&self) -> Option<&'a str> {
        let rest = self.text.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        Some(rest.split('\n').next().unwrap_or(rest).trim_end_matches('\r'))
    }

    fn next_line(&mut self) -> Option<&'a str> {
        let rest = self.text.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let (line, advance) = match rest.find('\n') {
            Some(i) => (rest.get(..i).unwrap_or(rest), i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        self.number += 1;
        Some(line.trim_end_matches('\r'))
    }

    fn skip_blank(&mut self) {
        while self.peek().is_some_and(|l| l.trim().is_empty()) {
            self.next_line();
        }
    }

    /// Moves to the start of the line containing byte `offset` (or after it if `offset` is a
    /// line end).
    fn advance_to(&mut self, offset: usize) {
        while self.pos < offset {
            if self.next_line().is_none() {
                break;
            }
        }
    }
}

impl Recording {
    /// Parses a recording from its text. `name` is kept for messages and decides the network
    /// id (see [`Recording::network_id`]); markdown is recognised by its `#### ` headers.
    ///
    /// # Errors
    /// The first header without a body, bad JSON or unrecognised line.
    pub fn parse(name: &str, text: &str) -> Result<Recording, RecordingError> {
        let mut lines = Lines { text, pos: 0, number: 0 };
        let mut steps = Vec::new();
        let mut title = None;
        while let Some(line) = lines.next_line() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed == "Skip to content" {
                continue;
            }
            let header_line = lines.number;
            let Some((role, header)) = parse_header(trimmed) else {
                if steps.is_empty() && title.is_none() && !trimmed.starts_with('#') {
                    title = Some(trimmed.to_owned());
                    continue;
                }
                return Err(RecordingError::UnexpectedLine {
                    line: header_line,
                    text: line.to_owned(),
                });
            };
            let step = match header {
                Header::Close => Step::Close { role },
                Header::Connect => Step::Connect { role, url: read_url(&mut lines, header_line)? },
                Header::Note => Step::Note { role, text: read_note(&mut lines, header_line)? },
                Header::Frame(direction) => {
                    let (json, text) = read_json(&mut lines, header_line)?;
                    Step::Frame { role, direction, json, text }
                }
            };
            steps.push(step);
        }
        Ok(Recording { name: name.to_owned(), title, steps, group_participants: None })
    }
}

/// Reads the URL after a connect header: the next non-blank line, or the content of a bare
/// ```` ``` ```` fence.
fn read_url(lines: &mut Lines<'_>, header: usize) -> Result<String, RecordingError> {
    lines.skip_blank();
    let missing = RecordingError::MissingBody { line: header, expected: "a URL" };
    let first = lines.peek().ok_or_else(|| missing_url(header))?.trim();
    if first == "```" {
        lines.next_line();
        let url = lines.next_line().ok_or(missing)?.trim().to_owned();
        if lines.next_line().map(str::trim) != Some("```") {
            return Err(RecordingError::MissingBody { line: header, expected: "a closing fence" });
        }
        return Ok(url);
    }
    if first.starts_with("ws://") || first.starts_with("wss://") {
        lines.next_line();
        return Ok(first.to_owned());
    }
    Err(missing)
}

fn missing_url(header: usize) -> RecordingError {
    RecordingError::MissingBody { line: header, expected: "a URL" }
}

/// Reads the text after an info header: `> ` quoted lines (markdown) or plain lines up to the
/// next blank line.
fn read_note(lines: &mut Lines<'_>, header: usize) -> Result<String, RecordingError> {
    lines.skip_blank();
    let mut out: Vec<&str> = Vec::new();
    while let Some(line) = lines.peek() {
        if line.trim().is_empty() || parse_header(line.trim()).is_some() {
            break;
        }
        lines.next_line();
        out.push(line.strip_prefix("> ").unwrap_or(line).trim());
    }
    if out.is_empty() {
        return Err(RecordingError::MissingBody { line: header, expected: "a note" });
    }
    Ok(out.join("\n"))
}

/// Reads the JSON object after a frame header, fenced or not.
fn read_json(lines: &mut Lines<'_>, header: usize) -> Result<(Value, String), RecordingError> {
    lines.skip_blank();
    let first = lines
        .peek()
        .ok_or(RecordingError::MissingBody { line: header, expected: "a JSON body" })?;
    let fenced = first.trim_start().starts_with("```");
    if fenced {
        lines.next_line();
    }
    let body_line = lines.number + 1;
    let rest = lines.text.get(lines.pos..).unwrap_or("");
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    let json = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(source)) => return Err(RecordingError::Json { line: body_line, source }),
        None => return Err(RecordingError::MissingBody { line: header, expected: "a JSON body" }),
    };
    let end = stream.byte_offset();
    let text = rest.get(..end).unwrap_or(rest).trim().to_owned();
    let start = lines.pos;
    lines.advance_to(start + end);
    if fenced {
        lines.skip_blank();
        if lines.next_line().map(str::trim) != Some("```") {
            return Err(RecordingError::MissingBody { line: header, expected: "a closing fence" });
        }
    }
    Ok((json, text))
}
