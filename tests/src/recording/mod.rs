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
//!
//! [`Recording`] and its [`Step`]s are in `session`, the text formats in `parse`, files and
//! the reference directories in `files`; `query` and `prefixed` read values out of URLs and
//! frames.

mod error;
mod files;
mod parse;
mod prefixed;
mod query;
mod session;

pub use error::RecordingError;
pub use files::{
    all_recordings, corpus_dir, files_with_extension, live_dir, seeds_dir, shared_dir,
};
pub use prefixed::{looks_prefixed, prefixed_strings};
pub use query::{query_pairs, query_param};
pub use session::{Direction, Participants, Recording, Role, Step};

#[cfg(test)]
mod tests;
