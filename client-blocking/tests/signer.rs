//! Keys outside the client: a channel signs through a wallet that lives on another thread
//! behind a channel. The review and the policy stay in front of it: the wallet is asked only
//! for approved transactions, and a wallet that refuses makes the operation fail with nothing
//! signed.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_client::aesc_codec::id::{AccountId, Signature};
use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::{Error, Role, Signer, SignerError};
use aesc_testkit::double::{Alteration, Fault, Role as NodeRole};
use common::*;
use crossbeam_channel::{bounded, Sender};

const LIMIT: Duration = Duration::from_secs(60);

type Job = (NetworkId, Vec<u8>, Sender<Result<Signature, SignerError>>);

/// A wallet: the key lives on its own thread; requests come over a channel.
#[derive(Debug)]
struct Wallet {
    account: AccountId,
    jobs: Sender<Job>,
    asked: Arc<AtomicUsize>,
    refusing: Arc<AtomicBool>,
}

impl Wallet {
    fn spawn(key: SecretKey) -> Wallet {
        let (jobs, rx) = bounded::<Job>(1);
        let asked = Arc::new(AtomicUsize::new(0));
        let refusing = Arc::new(AtomicBool::new(false));
        let (count, refuse) = (asked.clone(), refusing.clone());
        let account = key.public_key();
        std::thread::spawn(move || {
            for (network, bytes, reply) in rx {
                count.fetch_add(1, Ordering::SeqCst);
                let answer = if refuse.load(Ordering::SeqCst) {
                    Err(SignerError::new("the user declined"))
                } else {
                    Ok(key.sign_tx_bytes(&network, &bytes, SignatureForm::Raw))
                };
                let _ = reply.send(answer);
            }
        });
        Wallet { account, jobs, asked, refusing }
    }
}

impl Signer for Wallet {
    fn public_key(&self) -> AccountId {
        self.account
    }

    fn sign(&self, network: &NetworkId, tx: &[u8]) -> Result<Signature, SignerError> {
        let (reply, answer) = bounded(1);
        self.jobs
            .send_timeout((network.clone(), tx.to_vec(), reply), Duration::from_secs(5))
            .map_err(|_| SignerError::new("the wallet is gone"))?;
        answer
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| SignerError::new("the wallet did not answer"))?
    }
}

fn open_with_wallet(node: &aesc_testkit::double::NodeDouble) -> (Pair, Arc<Wallet>) {
    let wallet = Arc::new(Wallet::spawn(key(1)));
    // The configuration's own key is another one: the signer's account is the party's.
    let initiator =
        builder(node, Role::Initiator, 9, 2).signer(wallet.clone()).peer(key(2).public_key());
    let p = open_with(initiator, builder(node, Role::Responder, 2, 1));
    (p, wallet)
}

#[test]
fn a_wallet_on_another_thread_signs_the_whole_lifecycle() {
    within(LIMIT, || {
        let node = node();
        let (p, wallet) = open_with_wallet(&node);
        assert_eq!(p.initiator.config().account(), key(1).public_key());
        assert_eq!(wallet.asked.load(Ordering::SeqCst), 1, "the create tx");
        assert_eq!(p.initiator.transfer(&p.r(), 10u64).unwrap(), 2);
        assert_eq!(p.responder.transfer(&p.i(), 4u64).unwrap(), 3);
        assert_eq!(p.initiator.deposit(100u64, TxOptions::default()).unwrap(), 4);
        let close = p.initiator.shutdown(TxOptions::default()).unwrap();
        assert_eq!(close.innermost().signatures.len(), 2);
        assert_eq!(wallet.asked.load(Ordering::SeqCst), 5, "one signature per transaction");
    });
}

#[test]
fn a_refusing_wallet_fails_the_operation_and_nothing_is_signed() {
    within(LIMIT, || {
        let node = node();
        let (p, wallet) = open_with_wallet(&node);
        wallet.refusing.store(true, Ordering::SeqCst);
        let r = p.initiator.transfer(&p.r(), 10u64);
        assert!(matches!(&r, Err(Error::Signer(e)) if e.reason == "the user declined"), "{r:?}");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!((p.initiator.view().round, p.responder.view().round), (1, 1));
        // A proposal of the other party: refused too, the round stays.
        let r = p.responder.transfer(&p.i(), 1u64);
        assert!(r.is_err(), "{r:?}");
        assert_eq!(p.responder.view().round, 1);
        wallet.refusing.store(false, Ordering::SeqCst);
        assert_eq!(p.initiator.transfer(&p.r(), 10u64).unwrap(), 2);
    });
}

#[test]
fn the_wallet_never_sees_what_the_review_refused() {
    within(LIMIT, || {
        let node = node();
        let (p, wallet) = open_with_wallet(&node);
        let before = wallet.asked.load(Ordering::SeqCst);
        node.add_fault(
            Fault::on("channels.sign.update").role(NodeRole::Initiator).alter(Alteration::Amount),
        );
        let r = p.initiator.transfer(&p.r(), 10u64);
        assert!(matches!(r, Err(Error::Refused(_))), "{r:?}");
        assert_eq!(wallet.asked.load(Ordering::SeqCst), before, "the wallet was asked");
    });
}
