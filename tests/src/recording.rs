//! Recorded client–node sessions.
//!
//! Two layouts are read:
//!
//! * plain text scraped from a web page (`seeds/*.txt`, `live/*.txt`): a header line such as
//!   `initiator <--- node`, `responder ---> node`, `initiator opens a WebSocket connection`,
//!   `responder closes WebSocket connection` or `initiator info`, followed by a pretty-printed
//!   JSON object, a URL or free text;
//! * markdown (`corpus/**/*.md`): the same headers after `#### `, JSON in ```` ```javascript ````
//!   fences, URLs in bare ```` ``` ```` fences and notes as `> ` quotes.
//!
//! Every frame header yields exactly one [`Step::Frame`]; anything the reader does not
//! understand is a [`RecordingError`] with its line number, so nothing is silently lost.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The side of the channel a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The channel initiator.
    Initiator,
    /// The channel responder.
    Responder,
}

impl Role {
    /// `"initiator"` or `"responder"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Initiator => "initiator",
            Role::Responder => "responder",
        }
    }

    fn parse(word: &str) -> Option<Role> {
        match word {
            "initiator" => Some(Role::Initiator),
            "responder" => Some(Role::Responder),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way a frame travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sent by the client to the node (`---> node`).
    ToNode,
    /// Received by the client from the node (`<--- node`).
    FromNode,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The client of `role` opened a WebSocket connection to `url`.
    Connect {
        /// Whose connection.
        role: Role,
        /// The full `ws://…/channel?…` URL, query still percent-encoded.
        url: String,
    },
    /// The client of `role` closed its WebSocket connection.
    Close {
        /// Whose connection.
        role: Role,
    },
    /// A JSON-RPC frame.
    Frame {
        /// Whose connection carried it.
        role: Role,
        /// Which way it went.
        direction: Direction,
        /// The parsed frame (numbers keep their full precision).
        json: Value,
        /// The frame text exactly as recorded.
        text: String,
    },
    /// A free-text remark of the recording tool.
    Note {
        /// Whose client wrote it.
        role: Role,
        /// The text, lines joined with `\n`.
        text: String,
    },
}

impl Step {
    /// The role of the step.
    pub fn role(&self) -> Role {
        match self {
            Step::Connect { role, .. }
            | Step::Close { role }
            | Step::Frame { role, .. }
            | Step::Note { role, .. } => *role,
        }
    }
}

/// The two accounts of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Participants {
    /// `ak_…` of the initiator.
    pub initiator: String,
    /// `ak_…` of the responder.
    pub responder: String,
}

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

/// A parsed recorded session.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Where it came from (the path for files, the given name otherwise).
    pub name: String,
    /// The title line of a scraped text page (`init_per_group`, …), if any.
    pub title: Option<String>,
    /// The events in recorded order.
    pub steps: Vec<Step>,
    /// Participants of the group set-up (`init_per_group.md` next to or above the file), used
    /// when the recording itself never opens a channel.
    pub group_participants: Option<Participants>,
}

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
    let role = Role::parse(who)?;
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
    /// Reads and parses a recording file (`.txt` or `.md`). For files that never open a
    /// connection, the participants of a group set-up file (`init_per_group.md` in the same
    /// directory or the one above) are recorded in [`Recording::group_participants`].
    ///
    /// # Errors
    /// [`RecordingError::Io`] if a file cannot be read, any parse error otherwise.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
        let path = path.as_ref();
        let text = read(path)?;
        let mut recording = Recording::parse(&path.display().to_string(), &text)?;
        if recording.connect_participants().is_none() {
            recording.group_participants = group_participants(path, &recording)?;
        }
        Ok(recording)
    }

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

    /// The network id the session was signed for: `ae_dev` for `live/` recordings,
    /// `local_lima_testnet` for `changeable_fee/sc_ws_set_fee_*` and
    /// `continuous/sc_ws_update_conflict.md`, `local_iris_testnet` otherwise.
    pub fn network_id(&self) -> &'static str {
        network_id_for(Path::new(&self.name))
    }

    /// All frames with their role and direction.
    pub fn frames(&self) -> impl Iterator<Item = (Role, Direction, &Value)> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Frame { role, direction, json, .. } => Some((*role, *direction, json)),
            _ => None,
        })
    }

    /// All connect URLs with their role.
    pub fn connects(&self) -> impl Iterator<Item = (Role, &str)> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Connect { role, url } => Some((*role, url.as_str())),
            _ => None,
        })
    }

    /// The participants named in the first connect URL that carries both `initiator_id` and
    /// `responder_id`; otherwise the group participants.
    pub fn participants(&self) -> Option<Participants> {
        self.connect_participants().or_else(|| self.group_participants.clone())
    }

    /// Every distinct participant pair named in connect URLs, in order of appearance (a
    /// recording of rejected opens tries several).
    pub fn all_participants(&self) -> Vec<Participants> {
        let mut out: Vec<Participants> = Vec::new();
        for (_, url) in self.connects() {
            if let Some(p) = participants_of(url) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Every distinct `ak_…` string of the recording (connect URLs and frames), in order of
    /// appearance: the candidate signers when [`Recording::participants`] is unknown.
    pub fn accounts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            if s.starts_with("ak_") && !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        };
        for step in &self.steps {
            match step {
                Step::Connect { url, .. } => query_pairs(url).iter().for_each(|(_, v)| add(v)),
                Step::Frame { json, .. } => prefixed_strings(json).into_iter().for_each(&mut add),
                _ => {}
            }
        }
        out
    }

    /// Every distinct `channel_id` value of the frames, in order of appearance.
    pub fn channel_ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (_, _, json) in self.frames() {
            collect_channel_ids(json, &mut out);
        }
        out
    }

    fn connect_participants(&self) -> Option<Participants> {
        self.connects().find_map(|(_, url)| participants_of(url))
    }
}

fn read(path: &Path) -> Result<String, RecordingError> {
    std::fs::read_to_string(path)
        .map_err(|source| RecordingError::Io { path: path.to_owned(), source })
}

/// The participants of the group set-up file that opened the channel `rec` uses: the nearest
/// `init_per_group.md` (same directory or the one above) whose frames name one of the channel
/// ids of `rec`.
fn group_participants(
    path: &Path,
    rec: &Recording,
) -> Result<Option<Participants>, RecordingError> {
    let ids = rec.channel_ids();
    let mut dir = path.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let group = d.join("init_per_group.md");
        if group.is_file() && group != path {
            let text = read(&group)?;
            let setup = Recording::parse(&group.display().to_string(), &text)?;
            if setup.channel_ids().iter().any(|id| ids.contains(id)) {
                return Ok(setup.connect_participants());
            }
        }
        dir = d.parent();
    }
    Ok(None)
}

/// Every string value under a `channel_id` key, anywhere in `v`.
fn collect_channel_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect_channel_ids(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                match x {
                    Value::String(s) if k == "channel_id" => {
                        if !out.contains(s) {
                            out.push(s.clone());
                        }
                    }
                    _ => collect_channel_ids(x, out),
                }
            }
        }
        _ => {}
    }
}

fn network_id_for(path: &Path) -> &'static str {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|f| f.to_str()).unwrap_or("");
    let in_live = path.parent().is_some_and(|p| p.components().any(|c| c.as_os_str() == "live"));
    if in_live {
        "ae_dev"
    } else if (parent == "changeable_fee" && file.starts_with("sc_ws_set_fee_"))
        || (parent == "continuous" && file == "sc_ws_update_conflict.md")
    {
        "local_lima_testnet"
    } else {
        "local_iris_testnet"
    }
}

fn participants_of(url: &str) -> Option<Participants> {
    Some(Participants {
        initiator: query_param(url, "initiator_id")?,
        responder: query_param(url, "responder_id")?,
    })
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

/// The query pairs of a URL, percent-decoded (`+` stays `+`, as the recorded URLs encode `+`
/// as `%2B`).
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else { return Vec::new() };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// The first value of query parameter `key`, percent-decoded.
pub fn query_param(url: &str, key: &str) -> Option<String> {
    query_pairs(url).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every string value in `value` (recursively, object keys excluded) that looks like a
/// prefixed API string: two lowercase letters, `_`, and at least one more character.
pub fn prefixed_strings(value: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect_prefixed(value, &mut out);
    out
}

fn collect_prefixed<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) if looks_prefixed(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_prefixed(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_prefixed(v, out)),
        _ => {}
    }
}

/// `xx_` followed by at least one character, `xx` lowercase ASCII letters.
pub fn looks_prefixed(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b, [a, c, b'_', _, ..] if a.is_ascii_lowercase() && c.is_ascii_lowercase())
}

/// The reference material directory (`shared/`): `$AESC_SHARED` if set, otherwise the nearest
/// `shared` directory holding `seeds/` next to the workspace or one of its ancestors.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AESC_SHARED") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().skip(1).map(|a| a.join("shared")).find(|d| d.join("seeds").is_dir())
}

/// `shared/seeds`, if present.
pub fn seeds_dir() -> Option<PathBuf> {
    shared_dir().map(|d| d.join("seeds")).filter(|d| d.is_dir())
}

/// `shared/live`, if present.
pub fn live_dir() -> Option<PathBuf> {
    shared_dir().map(|d| d.join("live")).filter(|d| d.is_dir())
}

/// The corpus directory named by `$AESC_CORPUS`, if set and present.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("AESC_CORPUS")?);
    dir.is_dir().then_some(dir)
}

/// Every recording file: `seeds/*.txt`, `live/*.txt` and `$AESC_CORPUS/**/*.md`, each group
/// sorted by path. Missing directories contribute nothing.
pub fn all_recordings() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [seeds_dir(), live_dir()].into_iter().flatten() {
        out.extend(files_with_extension(&dir, "txt", false));
    }
    if let Some(dir) = corpus_dir() {
        out.extend(files_with_extension(&dir, "md", true));
    }
    out
}

/// Files under `dir` with extension `ext`, sorted, optionally recursing.
pub fn files_with_extension(dir: &Path, ext: &str, recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if recursive {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts header lines the simple way, independently of the parser.
    fn count_headers(text: &str, what: &str) -> usize {
        text.lines()
            .map(|l| l.trim().trim_start_matches("#### "))
            .filter(|l| {
                l.strip_prefix("initiator ")
                    .or_else(|| l.strip_prefix("responder "))
                    .is_some_and(|rest| rest.starts_with(what))
            })
            .count()
    }

    fn check_nothing_lost(path: &Path) -> Recording {
        let text = std::fs::read_to_string(path).unwrap();
        let rec = Recording::from_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let frames = rec.frames().count();
        let expected = count_headers(&text, "<--- node") + count_headers(&text, "---> node");
        assert_eq!(frames, expected, "{}", path.display());
        assert!(frames > 0, "{}", path.display());
        let connects = rec.connects().count();
        assert_eq!(connects, count_headers(&text, "opens a WebSocket"), "{}", path.display());
        let closes = rec.steps.iter().filter(|s| matches!(s, Step::Close { .. })).count();
        assert_eq!(closes, count_headers(&text, "closes WebSocket"), "{}", path.display());
        let notes = rec.steps.iter().filter(|s| matches!(s, Step::Note { .. })).count();
        assert_eq!(notes, count_headers(&text, "info"), "{}", path.display());
        for step in &rec.steps {
            if let Step::Frame { json, text, .. } = step {
                assert!(json.is_object(), "{}", path.display());
                let reparsed: Value = serde_json::from_str(text).unwrap();
                assert_eq!(&reparsed, json);
            }
        }
        rec
    }

    fn seed(name: &str) -> Option<Recording> {
        let Some(dir) = seeds_dir() else {
            eprintln!("shared/seeds not found; skipped");
            return None;
        };
        Some(check_nothing_lost(&dir.join(name)))
    }

    #[test]
    fn seed_group_setup() {
        let Some(rec) = seed("000_6336cda6b7a60b3a.txt") else { return };
        assert_eq!(rec.title.as_deref(), Some("init_per_group"));
        assert_eq!(rec.network_id(), "local_iris_testnet");
        let p = rec.participants().unwrap();
        assert_eq!(p.initiator, "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C");
        assert_eq!(p.responder, "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt");
        let Step::Connect { role, url } = &rec.steps[0] else { panic!("{:?}", rec.steps[0]) };
        assert_eq!(*role, Role::Initiator);
        assert_eq!(query_param(url, "push_amount").as_deref(), Some("1"));
        let Step::Frame { role, direction, json, .. } = &rec.steps[1] else { panic!() };
        assert_eq!((*role, *direction), (Role::Initiator, Direction::FromNode));
        assert_eq!(json["params"]["data"]["event"], "fsm_up");
        assert_eq!(
            rec.steps[2],
            Step::Note { role: Role::Initiator, text: "The local fsm has been started".into() }
        );
        // The request id keeps its exact value.
        let id = rec
            .frames()
            .find(|(_, d, j)| *d == Direction::ToNode && j.get("id").is_some())
            .map(|(_, _, j)| j["id"].to_string())
            .unwrap();
        assert_eq!(id, "-576460752303422844");
        let strings: Vec<&str> = rec.frames().flat_map(|(_, _, j)| prefixed_strings(j)).collect();
        assert!(strings.iter().any(|s| s.starts_with("tx_+MsLAfhCuEA45hqso7CTJ5N")));
        assert!(strings.iter().all(|s| looks_prefixed(s)));
        assert!(strings.contains(&"ch_S8axer1izndZW5nt5Qi7e8gZsjDFi13S64RZkWSFzHYmUi3PJ"));
    }

    #[test]
    fn seed_reconnect_ends_with_closes() {
        let Some(rec) = seed("001_4130c9fda125affd.txt") else { return };
        assert_eq!(rec.title.as_deref(), Some("basic_client_reconnect_r"));
        let n = rec.steps.len();
        assert_eq!(rec.steps[n - 2], Step::Close { role: Role::Initiator });
        assert_eq!(rec.steps[n - 1], Step::Close { role: Role::Responder });
        let reconnect =
            rec.connects().map(|(_, u)| u).find(|u| u.contains("existing_fsm_id=ba_")).unwrap();
        let tx = query_param(reconnect, "offchain_tx").unwrap();
        assert!(tx.starts_with("tx_+NILAfiEuE"), "{tx}");
        assert!(!tx.contains('%'));
        assert_eq!(
            query_param(reconnect, "existing_channel_id").as_deref(),
            Some("ch_29rmbxczEmFWBx2JFjD2S8YkhPULNwdUFe6NoZuM3HSA1fEKPC")
        );
    }

    #[test]
    fn live_recordings_use_ae_dev() {
        let Some(dir) = live_dir() else { return };
        let files = files_with_extension(&dir, "txt", false);
        assert_eq!(files.len(), 3);
        for f in files {
            let rec = check_nothing_lost(&f);
            assert_eq!(rec.network_id(), "ae_dev");
            assert!(rec.participants().is_some());
        }
    }

    #[test]
    fn glued_scraper_text_and_unknown_lines() {
        let text = "Skip to content\n\ntitle\n\nresponder <--- node\n\n{\n  \"a\": [1, \"ak_x\"]\n}\n\nresponder closes WebSocket connectionSkip to content";
        let rec = Recording::parse("x.txt", text).unwrap();
        assert_eq!(rec.title.as_deref(), Some("title"));
        assert_eq!(rec.steps.len(), 2);
        assert_eq!(rec.steps[1], Step::Close { role: Role::Responder });
        let err = Recording::parse("x.txt", "initiator <--- node\n{\n\nbogus\n").unwrap_err();
        assert!(matches!(err, RecordingError::Json { line: 2, .. }), "{err}");
        let err = Recording::parse("x.md", "#### initiator info\n> a\n\nstray line\n").unwrap_err();
        assert!(matches!(err, RecordingError::UnexpectedLine { line: 4, .. }), "{err}");
        let err = Recording::parse("x.md", "#### initiator <--- node\n").unwrap_err();
        assert!(matches!(err, RecordingError::MissingBody { line: 1, .. }), "{err}");
        let err = Recording::parse("x.md", "#### initiator <--- node\n```javascript\n{}\nx\n```\n")
            .unwrap_err();
        assert!(matches!(err, RecordingError::MissingBody { line: 1, .. }), "{err}");
    }

    #[test]
    fn network_ids_by_path() {
        let cases = [
            ("/c/changeable_fee/sc_ws_set_fee_create.md", "local_lima_testnet"),
            ("/c/changeable_fee/sc_ws_optional_params_create.md", "local_iris_testnet"),
            ("/c/continuous/sc_ws_update_conflict.md", "local_lima_testnet"),
            ("/c/continuous/sc_ws_deposit.md", "local_iris_testnet"),
            ("/s/live/000_init_per_group.txt", "ae_dev"),
            ("/s/seeds/000_6336cda6b7a60b3a.txt", "local_iris_testnet"),
        ];
        for (name, id) in cases {
            let rec = Recording::parse(name, "").unwrap();
            assert_eq!(rec.network_id(), id, "{name}");
        }
    }

    #[test]
    fn prefixed_string_shapes() {
        let v: Value =
            serde_json::json!({"k_x": "ab_c", "l": ["tx_1", {"m": "no"}], "n": "AB_c", "o": "ab_"});
        assert_eq!(prefixed_strings(&v), vec!["ab_c", "tx_1"]);
    }

    #[test]
    fn every_corpus_file_reads_completely() {
        let Some(dir) = corpus_dir() else {
            eprintln!("AESC_CORPUS not set; skipped");
            return;
        };
        let files = files_with_extension(&dir, "md", true);
        assert!(files.len() >= 70, "{}", files.len());
        let mut frames = 0;
        for f in &files {
            let rec = check_nothing_lost(f);
            frames += rec.frames().count();
            let name = f.strip_prefix(&dir).unwrap().to_str().unwrap().to_owned();
            // Sessions that never open a channel and whose channel no group set-up opened.
            let ungrouped = name.starts_with("contracts/")
                || name.starts_with("only_one_signs/")
                || name == "continuous/sc_ws_update_conflict.md";
            assert_eq!(rec.participants().is_none(), ungrouped, "{name}");
            if ungrouped {
                assert!(rec.accounts().len() >= 2, "{name}");
            }
            if name == "sc_ws_broken_open_params.md" {
                assert!(rec.all_participants().len() >= 3, "{name}");
            }
            if name.starts_with("continuous/sc_ws_deposit") {
                let p = rec.participants().unwrap();
                assert_eq!(p.initiator, "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C");
            }
        }
        eprintln!("{} corpus files, {frames} frames", files.len());
        assert!(frames > 16_000, "{frames}");
    }
}
