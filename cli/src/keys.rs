//! Secret keys from a file, the environment or (last resort) the command line.
//!
//! A command line is visible to every user of the machine (`ps`, `/proc/PID/cmdline`); a
//! file readable by its owner only, or an environment variable (`/proc/PID/environ` is
//! readable by the process owner only), is not. Every command that takes a secret key takes
//! it as `--NAME-key-file FILE`, as the variable `AESC_NAME_KEY`, or as `--NAME-key KEY`.

use std::path::{Path, PathBuf};

use aesc_client::aesc_codec::crypto::SecretKey;
use zeroize::Zeroizing;

/// The options that give the two parties' secret keys, as every command that takes them has
/// them.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct KeyArgs {
    /// File holding the initiator's secret key (`sk_…` or a 32-byte hex seed); without it, the
    /// key is read from the environment variable AESC_INITIATOR_KEY, or from --initiator-key.
    /// Against the embedded double, a missing key is a new one.
    #[arg(long, value_name = "FILE")]
    initiator_key_file: Option<PathBuf>,
    /// File holding the responder's secret key; or AESC_RESPONDER_KEY, or --responder-key.
    #[arg(long, value_name = "FILE")]
    responder_key_file: Option<PathBuf>,
    /// Secret key of the initiator, `sk_…` or a 32-byte hex seed. Every user of the machine
    /// can read a command line: prefer --initiator-key-file or AESC_INITIATOR_KEY.
    #[arg(long, value_name = "KEY")]
    initiator_key: Option<String>,
    /// Secret key of the responder (prefer --responder-key-file or AESC_RESPONDER_KEY).
    #[arg(long, value_name = "KEY")]
    responder_key: Option<String>,
}

impl KeyArgs {
    /// Where the initiator's and the responder's keys come from.
    pub(crate) fn sources(&self) -> (KeySource<'_>, KeySource<'_>) {
        (
            KeySource {
                party: "initiator",
                arg: self.initiator_key.as_deref(),
                file: self.initiator_key_file.as_deref(),
            },
            KeySource {
                party: "responder",
                arg: self.responder_key.as_deref(),
                file: self.responder_key_file.as_deref(),
            },
        )
    }
}

/// Where one party's key may come from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySource<'a> {
    /// The party, as the options name it (`initiator`).
    pub(crate) party: &'a str,
    /// `--PARTY-key KEY`.
    pub(crate) arg: Option<&'a str>,
    /// `--PARTY-key-file FILE`.
    pub(crate) file: Option<&'a Path>,
}

impl KeySource<'_> {
    /// The environment variable of the party's key: `AESC_INITIATOR_KEY`, …
    pub(crate) fn env_var(&self) -> String {
        format!("AESC_{}_KEY", self.party.to_ascii_uppercase())
    }

    /// The ways to give the key, for error messages.
    pub(crate) fn ways(&self) -> String {
        let p = self.party;
        format!("--{p}-key-file FILE, {} or --{p}-key KEY", self.env_var())
    }

    /// The key, if one was given: from the file, from the argument, else from the variable
    /// (read through `env`). A file and an argument together are refused.
    ///
    /// # Errors
    /// Both a file and an argument, an unreadable file, or a key that does not parse; the
    /// message names where the key came from and never contains it.
    pub(crate) fn load(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<SecretKey>, String> {
        let p = self.party;
        let (text, from) = match (self.file, self.arg) {
            (Some(_), Some(_)) => {
                return Err(format!("give the {p} key once: --{p}-key-file or --{p}-key"))
            }
            (Some(path), None) => {
                warn_if_others_can_read(path);
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("--{p}-key-file {}: {e}", path.display()))?;
                (Zeroizing::new(text), format!("--{p}-key-file {}", path.display()))
            }
            (None, Some(arg)) => (Zeroizing::new(arg.to_owned()), format!("--{p}-key")),
            (None, None) => match env(&self.env_var()) {
                Some(v) if !v.trim().is_empty() => (Zeroizing::new(v), self.env_var()),
                _ => return Ok(None),
            },
        };
        let key = SecretKey::parse(&text).map_err(|e| format!("{from}: {e}"))?;
        log::info!("the {p} key comes from {from}");
        Ok(Some(key))
    }
}

/// Warns on stderr when a key file is readable by its group or by others (Unix).
fn warn_if_others_can_read(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "warning: {} can be read by other users; `chmod 600 {}` keeps the key yours",
                    path.display(),
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const SEED: &str = "520239ff5fe4855c4a02b4264ba5a0892dba13510da4512a424496db48410d9f";
    const OTHER: &str = "dd5b4df62c3b39bf0beb2e93da03cf54ae1dc723f2af565d031cbc57db96c1a8";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn public(key: Option<SecretKey>) -> String {
        key.unwrap().public_key().to_string()
    }

    fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("aesc-keys-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_key_comes_from_a_file_the_environment_or_an_argument() {
        let expected = public(SecretKey::parse(SEED).ok());
        // A file, with the newline an editor leaves.
        let path = temp_file("file", &format!("{SEED}\n"));
        let src = KeySource { party: "initiator", arg: None, file: Some(&path) };
        assert_eq!(public(src.load(&no_env).unwrap()), expected);
        let _ = std::fs::remove_file(&path);
        // The environment.
        let env = |name: &str| (name == "AESC_INITIATOR_KEY").then(|| SEED.to_owned());
        let src = KeySource { party: "initiator", arg: None, file: None };
        assert_eq!(src.env_var(), "AESC_INITIATOR_KEY");
        assert_eq!(public(src.load(&env).unwrap()), expected);
        // An argument, which the environment does not override.
        let src = KeySource { party: "initiator", arg: Some(OTHER), file: None };
        assert_ne!(public(src.load(&env).unwrap()), expected);
        // Nothing at all, or an empty variable.
        assert!(src_none().load(&no_env).unwrap().is_none());
        assert!(src_none().load(&|_| Some(" \n".to_owned())).unwrap().is_none());
    }

    fn src_none() -> KeySource<'static> {
        KeySource { party: "responder", arg: None, file: None }
    }

    #[test]
    fn errors_say_where_the_key_came_from_but_not_what_it_is() {
        let path = temp_file("bad", "sk_notakey\n");
        let src = KeySource { party: "responder", arg: None, file: Some(&path) };
        let e = src.load(&no_env).unwrap_err();
        assert!(e.starts_with("--responder-key-file ") && !e.contains("notakey"), "{e}");
        let _ = std::fs::remove_file(&path);

        let missing = std::path::Path::new("/nonexistent/aesc/key");
        let src = KeySource { party: "responder", arg: None, file: Some(missing) };
        assert!(src.load(&no_env).unwrap_err().contains("/nonexistent/aesc/key"));

        let garbled = format!("{}x", &SEED[1..]);
        let env = |_: &str| Some(garbled.clone());
        let e = src_none().load(&env).unwrap_err();
        assert!(e.starts_with("AESC_RESPONDER_KEY: ") && !e.contains(&garbled[..20]), "{e}");

        let src = KeySource { party: "responder", arg: Some(SEED), file: Some(missing) };
        assert!(src.load(&no_env).unwrap_err().contains("once"));
        assert_eq!(
            src_none().ways(),
            "--responder-key-file FILE, AESC_RESPONDER_KEY or --responder-key KEY"
        );
    }
}
