//! Ed25519 keys, transaction signing and verification.
//!
//! The message signed for a transaction is `network_id ‖ tx_bytes` (the raw form, used by the
//! node's own clients) or `network_id ‖ blake2b-256(tx_bytes)` (the hash form, accepted by the
//! node from Lima on). `tx_bytes` is the serialization of the inner, unsigned transaction.

use core::fmt;
use core::str::FromStr;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::encoding::{self, ParseError, Prefix};
use crate::hash::blake2b_256;
use crate::id::{AccountId, Signature};

/// The network a transaction is signed for (`ae_mainnet`, `ae_uat`, `local_iris_testnet`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetworkId(String);

impl NetworkId {
    /// Wraps a network id string.
    pub fn new(id: impl Into<String>) -> Self {
        NetworkId(id.into())
    }

    /// The network id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NetworkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for NetworkId {
    fn from(s: &str) -> Self {
        NetworkId(s.into())
    }
}

/// Which of the two accepted messages a signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureForm {
    /// `network_id ‖ tx_bytes`.
    Raw,
    /// `network_id ‖ blake2b-256(tx_bytes)`.
    Hash,
}

impl SignatureForm {
    /// Lower-case name: `raw` or `hash`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureForm::Raw => "raw",
            SignatureForm::Hash => "hash",
        }
    }
}

/// The bytes a signature of `form` covers for `tx_bytes` on `network`.
pub fn signing_message(network: &NetworkId, tx_bytes: &[u8], form: SignatureForm) -> Vec<u8> {
    let mut msg = Vec::with_capacity(network.0.len() + tx_bytes.len().max(32));
    msg.extend_from_slice(network.0.as_bytes());
    match form {
        SignatureForm::Raw => msg.extend_from_slice(tx_bytes),
        SignatureForm::Hash => msg.extend_from_slice(&blake2b_256(tx_bytes)),
    }
    msg
}

/// An Ed25519 secret key. Its `Debug` shows only the public key; it is zeroized on drop.
#[derive(Clone)]
pub struct SecretKey {
    key: SigningKey,
}

impl SecretKey {
    /// Builds a key from its 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SecretKey { key: SigningKey::from_bytes(seed) }
    }

    /// Generates a fresh key from the operating system's random source.
    ///
    /// This is the only function of the codec that touches the environment.
    ///
    /// # Errors
    /// [`KeyError::NoEntropy`] when the operating system gives no randomness; no key is made
    /// then (never a predictable one).
    pub fn generate() -> Result<Self, KeyError> {
        SecretKey::generate_from(&mut rand_core::OsRng)
    }

    /// Generates a key from the seed bytes of `rng`.
    fn generate_from<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.try_fill_bytes(&mut seed[..])
            .map_err(|e| KeyError::NoEntropy { os_error: e.raw_os_error() })?;
        Ok(SecretKey::from_seed(&seed))
    }

    /// Parses an `sk_…` string or a 64-character hex seed. A 64-byte enacl key (seed ‖ public
    /// key, 128 hex characters) is accepted too; its public half must match the seed.
    ///
    /// # Errors
    /// [`KeyParseError`] describing what was wrong; the error never contains key material.
    pub fn parse(text: &str) -> Result<Self, KeyParseError> {
        let text = text.trim();
        if text.starts_with("sk_") {
            let seed = Zeroizing::new(
                encoding::decode_to_array::<32>(Prefix::AccountSeckey, text)
                    .map_err(KeyParseError::Encoding)?,
            );
            return Ok(SecretKey::from_seed(&seed));
        }
        let bytes = Zeroizing::new(decode_hex(text).ok_or(KeyParseError::NotHex)?);
        match bytes.len() {
            32 | 64 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(bytes.get(..32).ok_or(KeyParseError::NotHex)?);
                let key = SecretKey::from_seed(&seed);
                if let Some(public) = bytes.get(32..64) {
                    if public != key.public_key().as_bytes() {
                        return Err(KeyParseError::PublicKeyMismatch);
                    }
                }
                Ok(key)
            }
            n => Err(KeyParseError::WrongLength(n)),
        }
    }

    /// The `sk_…` text form (the 32-byte seed). Handle with care.
    pub fn to_sk_string(&self) -> Zeroizing<String> {
        Zeroizing::new(encoding::encode(Prefix::AccountSeckey, self.key.as_bytes()))
    }

    /// The account (public key) of this secret key.
    pub fn public_key(&self) -> AccountId {
        AccountId(self.key.verifying_key().to_bytes())
    }

    /// Signs arbitrary bytes.
    pub fn sign_message(&self, msg: &[u8]) -> Signature {
        Signature(self.key.sign(msg).to_bytes())
    }

    /// Signs serialized inner-tx bytes for `network` in the given form.
    pub fn sign_tx_bytes(
        &self,
        network: &NetworkId,
        tx_bytes: &[u8],
        form: SignatureForm,
    ) -> Signature {
        self.sign_message(&signing_message(network, tx_bytes, form))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey").field("public_key", &self.public_key()).finish_non_exhaustive()
    }
}

impl FromStr for SecretKey {
    type Err = KeyParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SecretKey::parse(s)
    }
}

/// A secret key string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyParseError {
    /// An `sk_` string failed to decode.
    Encoding(ParseError),
    /// Neither `sk_…` nor hex.
    NotHex,
    /// Hex of a length other than 32 or 64 bytes.
    WrongLength(usize),
    /// A 64-byte key whose public half does not belong to its seed.
    PublicKeyMismatch,
}

impl fmt::Display for KeyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyParseError::Encoding(e) => write!(f, "secret key: {e}"),
            KeyParseError::NotHex => f.write_str("secret key is neither sk_… nor hex"),
            KeyParseError::WrongLength(n) => {
                write!(f, "secret key of {n} bytes, expected a 32-byte seed")
            }
            KeyParseError::PublicKeyMismatch => {
                f.write_str("secret key's public half does not match its seed")
            }
        }
    }
}

impl std::error::Error for KeyParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyParseError::Encoding(e) => Some(e),
            _ => None,
        }
    }
}

/// A fresh secret key could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The operating system's random source failed.
    NoEntropy {
        /// The OS error code, when the source reported one.
        os_error: Option<i32>,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::NoEntropy { os_error: None } => {
                f.write_str("no randomness from the operating system")
            }
            KeyError::NoEntropy { os_error: Some(code) } => {
                write!(f, "no randomness from the operating system (OS error {code})")
            }
        }
    }
}

impl std::error::Error for KeyError {}

/// Verifies `signature` by `signer` over `msg` (strict Ed25519: no small-order keys, canonical
/// signatures).
pub fn verify_message(signer: &AccountId, msg: &[u8], signature: &Signature) -> bool {
    AccountVerifier::new(*signer).verify_message(msg, signature)
}

/// An account's public key, decoded once for verifying many signatures by it: each
/// verification then skips decompressing the key's curve point (the party a channel client
/// checks is always the same).
#[derive(Clone)]
pub struct AccountVerifier {
    account: AccountId,
    /// `None` when the bytes are not a point of the curve: nothing verifies then.
    key: Option<VerifyingKey>,
}

impl AccountVerifier {
    /// Decodes `account`'s key.
    pub fn new(account: AccountId) -> Self {
        AccountVerifier { key: VerifyingKey::from_bytes(account.as_bytes()).ok(), account }
    }

    /// The account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// Verifies `signature` over `msg` (strict Ed25519, as [`verify_message`]).
    pub fn verify_message(&self, msg: &[u8], signature: &Signature) -> bool {
        let Some(key) = &self.key else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        key.verify_strict(msg, &sig).is_ok()
    }

    /// Checks `signature` over `tx_bytes` on `network`, the raw form first, then the hash
    /// form (as [`verify_tx_bytes`]). Returns the form that verified.
    pub fn verify_tx_bytes(
        &self,
        network: &NetworkId,
        tx_bytes: &[u8],
        signature: &Signature,
    ) -> Option<SignatureForm> {
        [SignatureForm::Raw, SignatureForm::Hash]
            .into_iter()
            .find(|form| self.verify_message(&signing_message(network, tx_bytes, *form), signature))
    }
}

impl fmt::Debug for AccountVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccountVerifier").field(&self.account).finish()
    }
}

/// Checks `signature` by `signer` over `tx_bytes` on `network`, trying the raw form first and
/// then the hash form, as the node does. Returns the form that verified.
pub fn verify_tx_bytes(
    network: &NetworkId,
    tx_bytes: &[u8],
    signer: &AccountId,
    signature: &Signature,
) -> Option<SignatureForm> {
    AccountVerifier::new(*signer).verify_tx_bytes(network, tx_bytes, signature)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let s = core::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use core::num::NonZeroU32;

    use super::*;

    /// A random source that fails with an error code, as the OS source does without entropy.
    struct NoEntropy(u32);

    impl RngCore for NoEntropy {
        fn next_u32(&mut self) -> u32 {
            0
        }
        fn next_u64(&mut self) -> u64 {
            0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(0);
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), rand_core::Error> {
            Err(rand_core::Error::from(NonZeroU32::new(self.0).unwrap()))
        }
    }

    impl CryptoRng for NoEntropy {}

    /// A random source that always gives the same byte.
    struct Constant(u8);

    impl RngCore for Constant {
        fn next_u32(&mut self) -> u32 {
            u32::from_ne_bytes([self.0; 4])
        }
        fn next_u64(&mut self) -> u64 {
            u64::from_ne_bytes([self.0; 8])
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(self.0);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            dest.fill(self.0);
            Ok(())
        }
    }

    impl CryptoRng for Constant {}

    #[test]
    fn a_failing_random_source_gives_an_error_not_a_key() {
        let custom = rand_core::Error::CUSTOM_START;
        let e = SecretKey::generate_from(&mut NoEntropy(custom)).unwrap_err();
        assert_eq!(e, KeyError::NoEntropy { os_error: None });
        assert_eq!(e.to_string(), "no randomness from the operating system");
        // ENOSYS, as getrandom(2) reports on a kernel without it.
        let e = SecretKey::generate_from(&mut NoEntropy(38)).unwrap_err();
        assert_eq!(e, KeyError::NoEntropy { os_error: Some(38) });
        assert_eq!(e.to_string(), "no randomness from the operating system (OS error 38)");
    }

    #[test]
    fn the_seed_comes_from_the_random_source() {
        let key = SecretKey::generate_from(&mut Constant(7)).unwrap();
        assert_eq!(key.public_key(), SecretKey::from_seed(&[7; 32]).public_key());
        let a = SecretKey::generate().unwrap();
        let b = SecretKey::generate().unwrap();
        assert_ne!(a.public_key(), b.public_key());
        assert_ne!(a.public_key(), SecretKey::from_seed(&[0; 32]).public_key());
    }
}
