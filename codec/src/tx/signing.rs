//! Signing and verifying SignedTx, through generalized-account and PayingFor layers.
//!
//! Basic accounts sign the serialization of the innermost transaction: verification at the
//! node peels every `GAMetaTx` (and `PayingForTx`) layer and checks the signatures of the
//! innermost SignedTx, so that is where a co-signer's signature goes. Inside a PayingFor the
//! signed message uses the network id suffixed by `-inner_tx`.

use super::{SignedTx, Tx};
use crate::crypto::{self, NetworkId, SecretKey, SignatureForm};
use crate::derive;
use crate::id::{AccountId, ChannelId, Signature};

/// Who must authenticate a transaction (§4 of the protocol).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signers {
    /// Both channel participants, whose ids the transaction does not carry (deposit, withdraw,
    /// mutual close, set delegates, off-chain state): the caller knows them from the channel.
    BothParticipants,
    /// Both participants, named by the transaction (channel create).
    Participants {
        /// The initiator.
        initiator: AccountId,
        /// The responder.
        responder: AccountId,
    },
    /// One account (solo close, slash, settle, snapshot, force progress: `from_id`; spend:
    /// the sender; PayingFor: the payer; client reconnect: `pub_key`).
    Account(AccountId),
    /// A generalized account, authenticated by its auth function instead of a signature.
    GeneralizedAccount(AccountId),
}

impl Signers {
    /// The accounts that must sign, given the channel's participants.
    pub fn accounts(&self, initiator: &AccountId, responder: &AccountId) -> Vec<AccountId> {
        match self {
            Signers::BothParticipants => vec![*initiator, *responder],
            Signers::Participants { initiator, responder } => vec![*initiator, *responder],
            Signers::Account(a) => vec![*a],
            Signers::GeneralizedAccount(_) => Vec::new(),
        }
    }
}

/// The result of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The SignedTx layer holding the signature: 0 is the outermost.
    pub layer: usize,
    /// The signature checked.
    pub signature: Signature,
    /// Who signed it and how, or `None` when no candidate's signature verifies.
    pub verified: Option<Verified>,
}

/// A signature that verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The signer.
    pub signer: AccountId,
    /// The message form it covers.
    pub form: SignatureForm,
}

impl Tx {
    /// Who must authenticate this transaction.
    pub fn required_signers(&self) -> Signers {
        match self {
            Tx::Spend(t) => Signers::Account(t.sender_id),
            Tx::ChannelCreate(t) => {
                Signers::Participants { initiator: t.initiator_id, responder: t.responder_id }
            }
            Tx::ChannelDeposit(_)
            | Tx::ChannelWithdraw(_)
            | Tx::ChannelCloseMutual(_)
            | Tx::ChannelSetDelegates(_)
            | Tx::ChannelOffChain(_) => Signers::BothParticipants,
            Tx::ChannelCloseSolo(t) => Signers::Account(t.from_id),
            Tx::ChannelSlash(t) => Signers::Account(t.from_id),
            Tx::ChannelSettle(t) => Signers::Account(t.from_id),
            Tx::ChannelSnapshotSolo(t) => Signers::Account(t.from_id),
            Tx::ChannelForceProgress(t) => Signers::Account(t.from_id),
            Tx::ChannelClientReconnect(t) => Signers::Account(t.pub_key),
            Tx::GaMeta(t) => Signers::GeneralizedAccount(t.ga_id),
            Tx::PayingFor(t) => Signers::Account(t.payer_id),
        }
    }
}

fn inner_network(network: &NetworkId) -> NetworkId {
    NetworkId::new(format!("{}-inner_tx", network.as_str()))
}

impl SignedTx {
    /// The SignedTx wrapped by this one's GA meta or PayingFor transaction, if any.
    pub fn wrapped(&self) -> Option<&SignedTx> {
        match &self.tx {
            Tx::GaMeta(m) => Some(&m.tx),
            Tx::PayingFor(p) => Some(&p.tx),
            _ => None,
        }
    }

    /// The innermost SignedTx: this one with every GA meta and PayingFor layer peeled.
    pub fn innermost(&self) -> &SignedTx {
        let mut cur = self;
        while let Some(next) = cur.wrapped() {
            cur = next;
        }
        cur
    }

    /// The innermost SignedTx, mutably.
    pub fn innermost_mut(&mut self) -> &mut SignedTx {
        match self.tx {
            Tx::GaMeta(ref mut m) => m.tx.innermost_mut(),
            Tx::PayingFor(ref mut p) => p.tx.innermost_mut(),
            _ => self,
        }
    }

    /// The innermost transaction (the channel transaction inside any GA layers).
    pub fn innermost_tx(&self) -> &Tx {
        &self.innermost().tx
    }

    /// The bytes basic signers sign: the serialization of the innermost transaction.
    pub fn inner_tx_bytes(&self) -> Vec<u8> {
        self.innermost().tx.to_rlp()
    }

    /// The id of the channel the innermost create tx opens; `None` when it is no create tx.
    ///
    /// For a generalized-account initiator the nonce slot is the `auth_id`
    /// (`blake2b(ga_id ‖ auth_data)`) of the innermost meta tx by the initiator.
    pub fn created_channel_id(&self) -> Option<ChannelId> {
        let Tx::ChannelCreate(create) = self.innermost_tx() else { return None };
        let mut auth_id = None;
        let mut cur = self;
        while let Some(next) = cur.wrapped() {
            if let Tx::GaMeta(meta) = &cur.tx {
                if meta.ga_id == create.initiator_id {
                    auth_id = Some(derive::ga_auth_id(&meta.ga_id, &meta.auth_data));
                }
            }
            cur = next;
        }
        Some(match auth_id {
            Some(slot) => {
                derive::channel_id_with_slot(&create.initiator_id, &slot, &create.responder_id)
            }
            None => create.channel_id(),
        })
    }

    /// Who must authenticate the innermost transaction.
    pub fn required_signers(&self) -> Signers {
        self.innermost().tx.required_signers()
    }

    /// The layers from the outermost in, each with the network id its signatures use.
    fn layers(&self, network: &NetworkId) -> Vec<(&SignedTx, NetworkId)> {
        let mut out = Vec::new();
        let mut cur = self;
        let mut net = network.clone();
        loop {
            out.push((cur, net.clone()));
            match &cur.tx {
                Tx::GaMeta(m) => cur = &m.tx,
                Tx::PayingFor(p) => {
                    net = inner_network(network);
                    cur = &p.tx;
                }
                _ => return out,
            }
        }
    }

    /// Adds `signature` to this layer's signatures, which end up sorted bytewise; a signature
    /// already present is not added twice.
    pub fn add_signature(&mut self, signature: Signature) {
        self.signatures.sort();
        self.signatures.dedup();
        if let Err(pos) = self.signatures.binary_search(&signature) {
            self.signatures.insert(pos, signature);
        }
    }

    /// Signs the innermost transaction with `key` for `network` and adds the signature to the
    /// innermost SignedTx (sorted). Returns the signature.
    pub fn sign(&mut self, key: &SecretKey, network: &NetworkId, form: SignatureForm) -> Signature {
        let signed: Result<Signature, core::convert::Infallible> =
            self.sign_with(network, |net, bytes| Ok(key.sign_tx_bytes(net, bytes, form)));
        match signed {
            Ok(s) => s,
            Err(never) => match never {},
        }
    }

    /// Signs the innermost transaction through `sign`, which gets the network id the
    /// signature is for (`<network>-inner_tx` inside a wrapper) and the transaction bytes, and
    /// adds the signature it returns to the innermost SignedTx (sorted). For keys kept
    /// elsewhere (a wallet, another process).
    ///
    /// # Errors
    /// What `sign` returns; nothing is added then.
    pub fn sign_with<E>(
        &mut self,
        network: &NetworkId,
        sign: impl FnOnce(&NetworkId, &[u8]) -> Result<Signature, E>,
    ) -> Result<Signature, E> {
        let layers = self.layers(network);
        let net = layers.last().map_or_else(|| network.clone(), |(_, n)| n.clone());
        let target = self.innermost_mut();
        let signature = sign(&net, &target.tx.to_rlp())?;
        target.add_signature(signature);
        Ok(signature)
    }

    /// Checks every signature of every layer against `candidates`, naming for each the
    /// candidate and the message form that verify it (the raw form is tried first, as the node
    /// does).
    pub fn verify(&self, network: &NetworkId, candidates: &[AccountId]) -> Vec<SignatureCheck> {
        let mut out = Vec::new();
        for (layer, (st, net)) in self.layers(network).into_iter().enumerate() {
            let bytes = st.tx.to_rlp();
            for signature in &st.signatures {
                let verified =
                    [SignatureForm::Raw, SignatureForm::Hash].into_iter().find_map(|form| {
                        let msg = crypto::signing_message(&net, &bytes, form);
                        candidates
                            .iter()
                            .find(|signer| crypto::verify_message(signer, &msg, signature))
                            .map(|signer| Verified { signer: *signer, form })
                    });
                out.push(SignatureCheck { layer, signature: *signature, verified });
            }
        }
        out
    }
}
