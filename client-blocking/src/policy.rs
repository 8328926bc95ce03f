//! Signing policy.

/// Why the client refused to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal;

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}
