//! Who signs: a [`Signer`] holds (or reaches) the secret key. [`SecretKey`] is the signer of a
//! key in this process; a wallet, a hardware module or another process can be one too.
//!
//! The client asks a signer only for transactions that passed its review and the signing
//! policy (see [`crate::policy`]): a signer never sees bytes the review did not approve. The
//! signer is called on the connection's I/O thread, so it should answer promptly; a signer
//! that refuses or fails makes the client abort the sign request, and the operation fails with
//! [`crate::Error::Signer`].

use std::fmt;

use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_codec::id::{AccountId, Signature};

/// Why a signer did not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SignerError {
    /// In the signer's words.
    pub reason: String,
}

impl SignerError {
    /// A refusal or failure with this reason.
    pub fn new(reason: impl Into<String>) -> Self {
        SignerError { reason: reason.into() }
    }
}

/// Signs transactions for one account.
pub trait Signer: Send + Sync + fmt::Debug {
    /// The account whose key signs.
    fn public_key(&self) -> AccountId;

    /// Signs the transaction `tx` (its serialized bytes) for `network`: an Ed25519
    /// signature over `network ‖ tx`, the form the node checks first.
    ///
    /// # Errors
    /// When the signer refuses or cannot sign.
    fn sign(&self, network: &NetworkId, tx: &[u8]) -> Result<Signature, SignerError>;
}

impl Signer for SecretKey {
    fn public_key(&self) -> AccountId {
        SecretKey::public_key(self)
    }

    fn sign(&self, network: &NetworkId, tx: &[u8]) -> Result<Signature, SignerError> {
        Ok(self.sign_tx_bytes(network, tx, SignatureForm::Raw))
    }
}
