//! A small logger for the [`log`] facade: one line per record on stderr, filtered by `-v`
//! and `RUST_LOG`.
//!
//! `-v` shows the `info` records of the aesc crates (`aesc`, `aesc_client`, `aesc_testkit`),
//! `-vv` their `debug` records and `-vvv` their `trace` records; other crates stay silent.
//! `RUST_LOG` adds comma-separated directives as `env_logger` reads them: a level for every
//! crate (`debug`), a level for a target and the modules below it
//! (`aesc_client::session=debug`), or a target alone for all of its records. The most
//! specific target wins; a bare level applies to every crate.

use std::io::Write;
use std::time::Instant;

use log::{LevelFilter, Log, Metadata, Record};

/// The logger: a default level per crate family and per-target directives.
#[derive(Debug)]
pub(crate) struct Logger {
    /// The level of the aesc crates.
    aesc: LevelFilter,
    /// The level of every other crate.
    others: LevelFilter,
    /// `(target prefix, level)` from `RUST_LOG`.
    directives: Vec<(String, LevelFilter)>,
    start: Instant,
}

impl Logger {
    /// The logger for `-v` given `verbose` times and the text of `RUST_LOG`, with the
    /// `RUST_LOG` entries it could not read.
    pub(crate) fn new(verbose: u8, rust_log: Option<&str>) -> (Logger, Vec<String>) {
        let mut aesc = match verbose {
            0 => LevelFilter::Off,
            1 => LevelFilter::Info,
            2 => LevelFilter::Debug,
            _ => LevelFilter::Trace,
        };
        let mut others = LevelFilter::Off;
        let mut directives = Vec::new();
        let mut unread = Vec::new();
        for entry in rust_log.unwrap_or("").split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry.split_once('=') {
                Some((target, level)) => match level.trim().parse::<LevelFilter>() {
                    Ok(level) if !target.trim().is_empty() => {
                        directives.push((target.trim().to_owned(), level));
                    }
                    _ => unread.push(entry.to_owned()),
                },
                None => match entry.parse::<LevelFilter>() {
                    Ok(level) => {
                        aesc = aesc.max(level);
                        others = level;
                    }
                    // A target alone: everything it logs.
                    Err(_) if is_target(entry) => {
                        directives.push((entry.to_owned(), LevelFilter::Trace));
                    }
                    Err(_) => unread.push(entry.to_owned()),
                },
            }
        }
        (Logger { aesc, others, directives, start: Instant::now() }, unread)
    }

    /// The level that applies to records of `target`.
    pub(crate) fn level_for(&self, target: &str) -> LevelFilter {
        let under = |prefix: &str| {
            target == prefix
                || target.strip_prefix(prefix).is_some_and(|rest| rest.starts_with("::"))
        };
        let best = self
            .directives
            .iter()
            .filter(|(prefix, _)| under(prefix))
            .max_by_key(|(prefix, _)| prefix.len());
        match best {
            Some((_, level)) => *level,
            None if target == "aesc" || target.starts_with("aesc_") || under("aesc") => self.aesc,
            None => self.others,
        }
    }

    /// The most verbose level any target gets.
    pub(crate) fn max_level(&self) -> LevelFilter {
        self.directives.iter().map(|(_, l)| *l).fold(self.aesc.max(self.others), Ord::max)
    }
}

fn is_target(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level_for(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let t = self.start.elapsed().as_secs_f64();
        // The thread tells apart the I/O threads of two parties (`aesc-io-initiator`).
        let current = std::thread::current();
        let thread = match current.name() {
            Some("main") | None => String::new(),
            Some(name) => format!(" [{name}]"),
        };
        let (level, target) = (record.level(), record.target());
        // One write per record, so that lines of two threads do not interleave.
        let line = format!("{t:9.3}s {level:<5} {target}{thread}: {}\n", record.args());
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// Installs the logger for `-v` × `verbose` and `$RUST_LOG`; says on stderr which `RUST_LOG`
/// entries it ignores.
pub(crate) fn init(verbose: u8) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let (logger, unread) = Logger::new(verbose, rust_log.as_deref());
    for entry in unread {
        eprintln!("aesc: RUST_LOG: ignoring {entry:?} (expected LEVEL, TARGET or TARGET=LEVEL)");
    }
    let max = logger.max_level();
    if max == LevelFilter::Off {
        return;
    }
    if log::set_logger(Box::leak(Box::new(logger))).is_ok() {
        log::set_max_level(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_sets_the_level_of_the_aesc_crates_only() {
        let (quiet, _) = Logger::new(0, None);
        assert_eq!(quiet.max_level(), LevelFilter::Off);
        let (v, _) = Logger::new(1, None);
        assert_eq!(v.level_for("aesc_client::driver"), LevelFilter::Info);
        assert_eq!(v.level_for("aesc_testkit::double::hub"), LevelFilter::Info);
        assert_eq!(v.level_for("aesc::keys"), LevelFilter::Info);
        assert_eq!(v.level_for("tungstenite::handshake"), LevelFilter::Off);
        let (vv, _) = Logger::new(2, None);
        assert_eq!(vv.level_for("aesc_client"), LevelFilter::Debug);
        let (vvv, _) = Logger::new(5, None);
        assert_eq!(vvv.max_level(), LevelFilter::Trace);
    }

    #[test]
    fn rust_log_directives_pick_the_most_specific_target() {
        let (l, unread) = Logger::new(
            1,
            Some("warn, aesc_client=debug,aesc_client::driver=trace , mio, x=loud, =info"),
        );
        assert_eq!(unread, ["x=loud", "=info"]);
        assert_eq!(l.level_for("aesc_client::session::signing"), LevelFilter::Debug);
        assert_eq!(l.level_for("aesc_client::driver"), LevelFilter::Trace);
        // A prefix counts only at a module boundary.
        assert_eq!(l.level_for("aesc_clientele"), LevelFilter::Info);
        assert_eq!(l.level_for("aesc_testkit::double"), LevelFilter::Info);
        assert_eq!(l.level_for("tungstenite"), LevelFilter::Warn);
        assert_eq!(l.level_for("mio::poll"), LevelFilter::Trace);
        assert_eq!(l.max_level(), LevelFilter::Trace);
        // RUST_LOG alone, as a user of the library would write it.
        let (l, _) = Logger::new(0, Some("aesc_client=debug"));
        assert_eq!(l.level_for("aesc_client::store"), LevelFilter::Debug);
        assert_eq!(l.level_for("aesc_testkit"), LevelFilter::Off);
        assert_eq!(l.max_level(), LevelFilter::Debug);
    }
}
