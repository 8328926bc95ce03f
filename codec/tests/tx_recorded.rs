//! Real transactions recorded from nodes decode, re-encode byte-exact, round-trip through JSON
//! and carry signatures that verify for the channel's participants.
//!
//! The seeds (`local_iris_testnet`) and live (`ae_dev`) recordings are embedded below; the
//! larger corpus is read from the directory named by `AESC_CORPUS` when it is set.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use aesc_codec::crypto::{NetworkId, SignatureForm};
use aesc_codec::id::{AccountId, ChannelId, Signature};
use aesc_codec::tx::{Payload, SignedTx, Tx, TxKind, Update};

struct Recorded {
    source: &'static str,
    method: &'static str,
    network: &'static str,
    tx: &'static str,
}

/// Signatures already verified: (signed bytes, signature) -> signer. Verification is slow in
/// unoptimized builds and sessions repeat signatures (a co-signed tx carries the first one's).
type Verified = HashMap<(Vec<u8>, Signature), AccountId>;

/// The signer of each signature of `st` among `candidates` (raw form), or a panic.
fn signers(
    st: &SignedTx,
    network: &str,
    candidates: &[AccountId],
    cache: &mut Verified,
    what: &str,
) -> Vec<AccountId> {
    let bytes = st.tx.to_rlp();
    st.signatures
        .iter()
        .map(|sig| {
            let key = (bytes.clone(), *sig);
            if let Some(signer) = cache.get(&key) {
                return *signer;
            }
            let one = SignedTx { signatures: vec![*sig], tx: st.tx.clone() };
            let checks = one.verify(&NetworkId::new(network), candidates);
            let v =
                checks[0].verified.unwrap_or_else(|| panic!("{what}: signature {sig} unverified"));
            assert_eq!(v.form, SignatureForm::Raw, "{what}");
            cache.insert(key, v.signer);
            v.signer
        })
        .collect()
}

/// Checks one recorded `tx_` string; returns the decoded tx.
fn check(
    tx: &str,
    network: &str,
    candidates: &[AccountId],
    cache: &mut Verified,
    what: &str,
) -> SignedTx {
    let signed = SignedTx::from_api_str(tx).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(signed.to_api_string(), tx, "{what}: re-encoding differs");
    let json = signed.to_json();
    let back = SignedTx::from_json(&json).unwrap_or_else(|e| panic!("{what}: json {e}"));
    assert_eq!(back, signed, "{what}: JSON round trip");
    let text = serde_json::to_string(&json).unwrap();
    let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(SignedTx::from_json(&reparsed).unwrap().to_api_string(), tx, "{what}: JSON text");
    let who = signers(&signed, network, candidates, cache, what);
    let distinct: BTreeSet<_> = who.iter().collect();
    assert_eq!(distinct.len(), who.len(), "{what}: one signer signed twice");
    for payload in payloads(&signed.tx) {
        if let Payload::Tx(p) = payload {
            assert_eq!(p.innermost_tx().kind(), TxKind::ChannelOffChain, "{what}: payload");
            assert_eq!(signers(p, network, candidates, cache, what).len(), 2, "{what}: payload");
        }
    }
    signed
}

fn payloads(tx: &Tx) -> Vec<&Payload> {
    match tx {
        Tx::ChannelCloseSolo(t) => vec![&t.payload],
        Tx::ChannelSlash(t) => vec![&t.payload],
        Tx::ChannelSnapshotSolo(t) => vec![&t.payload],
        Tx::ChannelForceProgress(t) => vec![&t.payload],
        Tx::ChannelSetDelegates(t) => vec![&t.payload],
        _ => vec![],
    }
}

fn channel_of(tx: &Tx) -> Option<ChannelId> {
    match tx {
        Tx::ChannelCreate(t) => Some(t.channel_id()),
        Tx::ChannelDeposit(t) => Some(t.channel_id),
        Tx::ChannelWithdraw(t) => Some(t.channel_id),
        Tx::ChannelCloseMutual(t) => Some(t.channel_id),
        Tx::ChannelCloseSolo(t) => Some(t.channel_id),
        Tx::ChannelSlash(t) => Some(t.channel_id),
        Tx::ChannelSettle(t) => Some(t.channel_id),
        Tx::ChannelSnapshotSolo(t) => Some(t.channel_id),
        Tx::ChannelForceProgress(t) => Some(t.channel_id),
        Tx::ChannelSetDelegates(t) => Some(t.channel_id),
        Tx::ChannelOffChain(t) => Some(t.channel_id),
        _ => None,
    }
}

#[test]
fn seeds_and_live_transactions_decode_reencode_and_verify() {
    let mut by_source: BTreeMap<&str, Vec<&Recorded>> = BTreeMap::new();
    for r in RECORDED {
        by_source.entry(r.source).or_default().push(r);
    }
    let mut kinds = BTreeSet::new();
    let mut cache = Verified::new();
    for (source, records) in by_source {
        // The participants come from the create transactions of the same session.
        let mut participants = Vec::new();
        let mut channels = BTreeSet::new();
        for r in &records {
            if let Tx::ChannelCreate(c) = SignedTx::from_api_str(r.tx).unwrap().tx {
                participants.extend([c.initiator_id, c.responder_id]);
                channels.insert(c.channel_id());
            }
        }
        assert_eq!(channels.len(), 1, "{source}: one channel per session");
        for r in &records {
            let what = format!("{source} {}", r.method);
            let signed = check(r.tx, r.network, &participants, &mut cache, &what);
            kinds.insert((signed.tx.kind(), signed.tx.version()));
            assert!(channels.contains(&channel_of(&signed.tx).unwrap()), "{what}: channel id");
            let expected_sigs = match r.method {
                m if m.starts_with("channels.sign.") => {
                    usize::from(m.ends_with("_ack") || m.ends_with("responder_sign"))
                }
                "channels.initiator_sign" | "channels.shutdown_sign" => 1,
                _ => signed.signatures.len(),
            };
            assert_eq!(signed.signatures.len(), expected_sigs, "{what}");
        }
    }
    let expected = [
        (TxKind::ChannelCreate, 1),
        (TxKind::ChannelCreate, 2),
        (TxKind::ChannelOffChain, 2),
        (TxKind::ChannelCloseMutual, 1),
    ];
    assert_eq!(kinds, expected.into_iter().collect());
}

#[test]
fn live_create_v2_has_per_role_delegates_and_a_channel_id_seen_by_the_node() {
    let r = RECORDED
        .iter()
        .find(|r| r.source.starts_with("live/000") && r.method == "channels.responder_sign")
        .unwrap();
    let signed = SignedTx::from_api_str(r.tx).unwrap();
    let Tx::ChannelCreate(c) = &signed.tx else { panic!("not a create tx") };
    assert_eq!(c.delegates, aesc_codec::tx::Delegates::none());
    assert_eq!(signed.tx.version(), 2);
    // The channel id the node reported in that session.
    assert_eq!(c.channel_id().to_string(), "ch_2rk3MHEh27KE55yD1ZyeH8BMme81n3Qx2KeAbC7k7zDZPBnoRs");
    let json = signed.tx.to_json();
    assert_eq!(json["delegate_ids"], serde_json::json!({"initiator": [], "responder": []}));
}

/// Every `"tx_…"` string (in quotes) of a text.
fn tx_strings(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("\"tx_") {
        let tail = &rest[i + 1..];
        let end = tail.find('"').unwrap_or(tail.len());
        // Keys such as "tx_hash": are not transactions.
        if !tail[end..].starts_with("\":") {
            out.push(&tail[..end]);
        }
        rest = &tail[end..];
    }
    out
}

/// Every valid `ak_` account of a text.
fn accounts(text: &str) -> Vec<AccountId> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("ak_") {
        let s: String =
            text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if let Ok(a) = s.parse::<AccountId>() {
            out.insert(a);
        }
    }
    out.into_iter().collect()
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            markdown_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "md") {
            out.push(p);
        }
    }
}

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("AESC_CORPUS") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!("AESC_CORPUS is not set: corpus test skipped");
            None
        }
    }
}

#[test]
fn corpus_transactions_decode_reencode_and_verify() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    markdown_files(&dir, &mut files);
    assert!(!files.is_empty(), "no recordings under {}", dir.display());
    let mut counts: BTreeMap<(TxKind, u32), usize> = BTreeMap::new();
    let mut cache = Verified::new();
    for file in files {
        let name = file.strip_prefix(&dir).unwrap().display().to_string();
        let network =
            if name.contains("sc_ws_set_fee_") || name.ends_with("sc_ws_update_conflict.md") {
                "local_lima_testnet"
            } else {
                "local_iris_testnet"
            };
        let text = std::fs::read_to_string(&file).unwrap();
        let unique: BTreeSet<&str> = tx_strings(&text).into_iter().collect();
        // Participants of the session's create txs first: they sign almost everything.
        let mut candidates = Vec::new();
        for tx in &unique {
            if let Ok(SignedTx { tx: Tx::ChannelCreate(c), .. }) = SignedTx::from_api_str(tx) {
                candidates.extend([c.initiator_id, c.responder_id]);
            }
        }
        let others: Vec<_> =
            accounts(&text).into_iter().filter(|a| !candidates.contains(a)).collect();
        candidates.extend(others);
        for tx in unique {
            let signed = check(tx, network, &candidates, &mut cache, &name);
            *counts.entry((signed.tx.kind(), signed.tx.version())).or_default() += 1;
        }
    }
    eprintln!("corpus transactions checked: {counts:?}");
    for kind in [
        TxKind::ChannelCreate,
        TxKind::ChannelDeposit,
        TxKind::ChannelWithdraw,
        TxKind::ChannelCloseMutual,
        TxKind::ChannelCloseSolo,
        TxKind::ChannelSlash,
        TxKind::ChannelSettle,
        TxKind::ChannelSnapshotSolo,
        TxKind::ChannelForceProgress,
        TxKind::ChannelOffChain,
    ] {
        assert!(counts.keys().any(|(k, _)| *k == kind), "no {kind:?} in the corpus");
    }
}

/// The JSON arrays following each `"updates": ` key of a text.
fn update_lists(text: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (i, key) in text.match_indices("\"updates\": [") {
        let start = i + key.len() - 1;
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (j, c) in text[start..].char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                '[' if !in_string => depth += 1,
                ']' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        out.push(serde_json::from_str(&text[start..=start + j]).unwrap());
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn corpus_updates_read_and_write_the_node_json_exactly() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    markdown_files(&dir, &mut files);
    let mut ops: BTreeMap<String, usize> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for list in update_lists(&text) {
            for json in list.as_array().unwrap() {
                let update = Update::from_json(json)
                    .unwrap_or_else(|e| panic!("{}: {e}: {json}", file.display()));
                assert_eq!(&update.to_json(), json, "{}", file.display());
                assert_eq!(Update::from_rlp(&update.to_rlp()).unwrap(), update);
                *ops.entry(update.op().to_owned()).or_default() += 1;
            }
        }
    }
    eprintln!("corpus updates checked: {ops:?}");
    assert_eq!(ops.len(), 6, "every update op occurs in the corpus: {ops:?}");
}

#[test]
fn corpus_tx_hash_vector() {
    let Some(dir) = corpus() else { return };
    let text =
        std::fs::read_to_string(dir.join("assume_min_depth/sc_ws_basic_open_close.md")).unwrap();
    let tx =
        tx_strings(&text).into_iter().find(|s| s.starts_with("tx_+QEOCwH4hLhAAT1wO6X1")).unwrap();
    let signed = SignedTx::from_api_str(tx).unwrap();
    assert_eq!(signed.hash().to_string(), "th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur");
    assert_eq!(signed.tx.version(), 2);
}

const RECORDED: &[Recorded] = &[
    Recorded {
        source: "seeds/000_6336cda6b7a60b3a.txt",
        method: "channels.sign.initiator_sign",
        network: "local_iris_testnet",
        tx: "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYx/lR64A==",
    },
    Recorded {
        source: "seeds/000_6336cda6b7a60b3a.txt",
        method: "channels.initiator_sign",
        network: "local_iris_testnet",
        tx: "tx_+MsLAfhCuEA45hqso7CTJ5NUrNmKET+7ekDDwnfCVaZHCYpN5Qwl+LDvG8IMBC98nyT2gpGf7zvYnQXRyojAw27OectnVJ4MuIP4gTIBoQFkrg4IYt7TSzp77iFZuRSGwvSJKHZNvxOAiompi5WvgYY/qiUiYAChAZCzLjDKnaeAHIP2nS7DUNlYpkAMioUL3aUU7q4MKnChhiRhOcqAAAIKAIYQBnnXSADAoGT/CBzTbE8WmKfxmpBsujE15vDJzp4D5Hm6jC4J9bhGMT58Fg0=",
    },
    Recorded {
        source: "seeds/000_6336cda6b7a60b3a.txt",
        method: "channels.responder_sign",
        network: "local_iris_testnet",
        tx: "tx_+QENCwH4hLhANmibMw6G5apHtTunjFIctnq34R5kAN4fHgKXtfj2l1+vYqQ7aC9HkrLFmYodxkW5QeFKyl6qvmDooBoUej+xCLhAOOYarKOwkyeTVKzZihE/u3pAw8J3wlWmRwmKTeUMJfiw7xvCDAQvfJ8k9oKRn+872J0F0cqIwMNuznnLZ1SeDLiD+IEyAaEBZK4OCGLe00s6e+4hWbkUhsL0iSh2Tb8TgIqJqYuVr4GGP6olImAAoQGQsy4wyp2ngByD9p0uw1DZWKZADIqFC92lFO6uDCpwoYYkYTnKgAACCgCGEAZ510gAwKBk/wgc02xPFpin8ZqQbLoxNebwyc6eA+R5uowuCfW4RjEY81hD",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.sign.initiator_sign",
        network: "local_iris_testnet",
        tx: "tx_+IgLAcC4g/iBMgGhATqYQ8+Cp4ie+LkalvZGF7tP6RNZa6xgqEYh5ntBXdojhj+qJSJgAKEBg6kO3cRT/L6FAm35CMUSjEztEN43jU1YuxIzvKYhCFiGJGE5yoAAAgoAhhAGeddIAMCgREYAn9gt2fSx6P2d51pzkXMksF9cpLYZ/pl2oteKAW8DiTrXxw==",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.initiator_sign",
        network: "local_iris_testnet",
        tx: "tx_+MsLAfhCuEB+R5siZdD7yxbfN7HFhp6fo2poDy4+liheIdGr8DC0ni7MB76/SEqVIIjHGGPnt5g+bN/AJUUD/lpBIhgbsL8EuIP4gTIBoQE6mEPPgqeInvi5Gpb2Rhe7T+kTWWusYKhGIeZ7QV3aI4Y/qiUiYAChAYOpDt3EU/y+hQJt+QjFEoxM7RDeN41NWLsSM7ymIQhYhiRhOcqAAAIKAIYQBnnXSADAoERGAJ/YLdn0sej9nedac5FzJLBfXKS2Gf6ZdqLXigFvA/NohKo=",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.responder_sign",
        network: "local_iris_testnet",
        tx: "tx_+QENCwH4hLhAfkebImXQ+8sW3zexxYaen6NqaA8uPpYoXiHRq/AwtJ4uzAe+v0hKlSCIxxhj57eYPmzfwCVFA/5aQSIYG7C/BLhAy8gRoLS5Zr50wFZlbq7oS17SgYg51Gxp6XiC/zDpH4fOl8tMBSu2NPV5V0adQaaF8W+0wZOCy3OhvXdv74WBCbiD+IEyAaEBOphDz4KniJ74uRqW9kYXu0/pE1lrrGCoRiHme0Fd2iOGP6olImAAoQGDqQ7dxFP8voUCbfkIxRKMTO0Q3jeNTVi7EjO8piEIWIYkYTnKgAACCgCGEAZ510gAwKBERgCf2C3Z9LHo/Z3nWnORcySwX1ykthn+mXai14oBbwMda4R9",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.sign.update",
        network: "local_iris_testnet",
        tx: "tx_+E0LAcC4SPhGOQKhBpfPOQt9EMQhETZKwfkfwwc8onSwLPif55+tA8ABbg0tAqCqgPsDPo8+16WFY9cSElD1/Lhya0V2JJ+06z9Yp+GUwsnOFBc=",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.update",
        network: "local_iris_testnet",
        tx: "tx_+JALAfhCuEC3rzPNkRpXr+WVz70fnPYGjgtSPL4ViYxZexQYeoCzdJXOYuNQltY8zrH78du76JQ8UWV9nTjFAz2hyKm/M5oLuEj4RjkCoQaXzzkLfRDEIRE2SsH5H8MHPKJ0sCz4n+efrQPAAW4NLQKgqoD7Az6PPtelhWPXEhJQ9fy4cmtFdiSftOs/WKfhlMKTQM48",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.update",
        network: "local_iris_testnet",
        tx: "tx_+NILAfiEuECpv0vIQrLVfHcYgq7sHVcq+CDmHBPFIzKkpKbD1jQucC8GBt+bEnRXfpHby860c01F8Yr90jYgSdLIhkxZYGYEuEC3rzPNkRpXr+WVz70fnPYGjgtSPL4ViYxZexQYeoCzdJXOYuNQltY8zrH78du76JQ8UWV9nTjFAz2hyKm/M5oLuEj4RjkCoQaXzzkLfRDEIRE2SsH5H8MHPKJ0sCz4n+efrQPAAW4NLQKgqoD7Az6PPtelhWPXEhJQ9fy4cmtFdiSftOs/WKfhlMLcwEpr",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.sign.shutdown_sign",
        network: "local_iris_testnet",
        tx: "tx_+GQLAcC4X/hdNQGhBpfPOQt9EMQhETZKwfkfwwc8onSwLPif55+tA8ABbg0toQGDqQ7dxFP8voUCbfkIxRKMTO0Q3jeNTVi7EjO8piEIWIY3+rniy/6GHLHOiuwCAIYPXtZ/KAABajAfpQ==",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.shutdown_sign",
        network: "local_iris_testnet",
        tx: "tx_+KcLAfhCuEDmJGV4IgldfVk/ufTgZ1tTLUwjedbToRFzMgGPE9wIUrfb5o2SPZ8a/8cKS+HgXN8ViSFC+BKOCQjlaXc9HHsFuF/4XTUBoQaXzzkLfRDEIRE2SsH5H8MHPKJ0sCz4n+efrQPAAW4NLaEBg6kO3cRT/L6FAm35CMUSjEztEN43jU1YuxIzvKYhCFiGN/q54sv+hhyxzorsAgCGD17WfygAAZXoobc=",
    },
    Recorded {
        source: "seeds/001_4130c9fda125affd.txt",
        method: "channels.shutdown_sign_ack",
        network: "local_iris_testnet",
        tx: "tx_+OkLAfiEuEDWEcgcV5ufboZvZd0nCdBeFpNkjgWm5OxcJCHLcCS2vGxcMX3tQH2ywcLGBCMOhTr9XoWmOkhb1DSUwjh3P6YCuEDmJGV4IgldfVk/ufTgZ1tTLUwjedbToRFzMgGPE9wIUrfb5o2SPZ8a/8cKS+HgXN8ViSFC+BKOCQjlaXc9HHsFuF/4XTUBoQaXzzkLfRDEIRE2SsH5H8MHPKJ0sCz4n+efrQPAAW4NLaEBg6kO3cRT/L6FAm35CMUSjEztEN43jU1YuxIzvKYhCFiGN/q54sv+hhyxzorsAgCGD17WfygAAU8EWLI=",
    },
    Recorded {
        source: "live/000_init_per_group.txt",
        method: "channels.sign.initiator_sign",
        network: "ae_dev",
        tx: "tx_+IkLAcC4hPiCMgKhAW2qXBqYeAZtkX/sII2uO1pVvGKD7tMGytFdYAD/2xZxhj+qJSJgAKEBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGJGE5yoAAAgoAhhALIe8QAMDAoHkoQ08OKWtijkgrQfs/m8neBYExFq2zcK+icYWQYkg4BBgEYj4=",
    },
    Recorded {
        source: "live/000_init_per_group.txt",
        method: "channels.initiator_sign",
        network: "ae_dev",
        tx: "tx_+MwLAfhCuECtibzz1dR2PqdNpVlw3KLTAlsGvUtOkVos+VlSH9k6R+1VXIjyWvcjg3lNWpYDMSVxwCgvzZtwzryYQruSwoUBuIT4gjICoQFtqlwamHgGbZF/7CCNrjtaVbxig+7TBsrRXWAA/9sWcYY/qiUiYAChASkIC0DzzxjZZ/00ILHvqpHszsDxKuMzot5Rnrn5SUI6hiRhOcqAAAIKAIYQCyHvEADAwKB5KENPDilrYo5IK0H7P5vJ3gWBMRats3CvonGFkGJIOATF6xkK",
    },
    Recorded {
        source: "live/000_init_per_group.txt",
        method: "channels.responder_sign",
        network: "ae_dev",
        tx: "tx_+QEOCwH4hLhAkFBglqodFDI5mJGV/sNCVEGkZjIrb3dYatYB3J27NiZgmenqbOshmwUd+GjE26A7PeD4bsKL328E1e7YS1hGBrhArYm889XUdj6nTaVZcNyi0wJbBr1LTpFaLPlZUh/ZOkftVVyI8lr3I4N5TVqWAzElccAoL82bcM68mEK7ksKFAbiE+IIyAqEBbapcGph4Bm2Rf+wgja47WlW8YoPu0wbK0V1gAP/bFnGGP6olImAAoQEpCAtA888Y2Wf9NCCx76qR7M7A8SrjM6LeUZ65+UlCOoYkYTnKgAACCgCGEAsh7xAAwMCgeShDTw4pa2KOSCtB+z+byd4FgTEWrbNwr6JxhZBiSDgEo6+glg==",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.sign.initiator_sign",
        network: "ae_dev",
        tx: "tx_+IkLAcC4hPiCMgKhAW2qXBqYeAZtkX/sII2uO1pVvGKD7tMGytFdYAD/2xZxhj+qJSJgAKEBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGJGE5yoAAAgoAhhALIe8QAMDAoHkoQ08OKWtijkgrQfs/m8neBYExFq2zcK+icYWQYkg4BjONObY=",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.initiator_sign",
        network: "ae_dev",
        tx: "tx_+MwLAfhCuEDZDeNRlQoBk0Ol9vC30aOtHcHNwMGkHPZ0C1YSQ/2+KAYZcMzOIH7vZDJOTWM8Um6uAiiTdKawUwk9PqsH9sMEuIT4gjICoQFtqlwamHgGbZF/7CCNrjtaVbxig+7TBsrRXWAA/9sWcYY/qiUiYAChASkIC0DzzxjZZ/00ILHvqpHszsDxKuMzot5Rnrn5SUI6hiRhOcqAAAIKAIYQCyHvEADAwKB5KENPDilrYo5IK0H7P5vJ3gWBMRats3CvonGFkGJIOAbQp18i",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.responder_sign",
        network: "ae_dev",
        tx: "tx_+QEOCwH4hLhAKKsyrxLBpPd7XYUWVKeBjP+gCrYksZGNMHVoa4B+MPZ2SdXOsI62/GqAxgWZeoks0orz6YyptwOFjv05gNLCArhA2Q3jUZUKAZNDpfbwt9GjrR3BzcDBpBz2dAtWEkP9vigGGXDMziB+72QyTk1jPFJurgIok3SmsFMJPT6rB/bDBLiE+IIyAqEBbapcGph4Bm2Rf+wgja47WlW8YoPu0wbK0V1gAP/bFnGGP6olImAAoQEpCAtA888Y2Wf9NCCx76qR7M7A8SrjM6LeUZ65+UlCOoYkYTnKgAACCgCGEAsh7xAAwMCgeShDTw4pa2KOSCtB+z+byd4FgTEWrbNwr6JxhZBiSDgGpxIx1Q==",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.sign.update",
        network: "ae_dev",
        tx: "tx_+E0LAcC4SPhGOQKhBsyTGxHOsbKPApZD5ie0RfXiCXwPcFC0euginuLPF7ogAqDimakVxypv+LfZ33QdnulZpGXIQHxrwip+Rz0C7BPp5JzVLzw=",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.update",
        network: "ae_dev",
        tx: "tx_+JALAfhCuEBX4bd7upXPL53ulowDeapkodQn3+tTTxexnGSsQFE/8dcckoqJHu2+e1X2M/4THvZhcM6kduIeQx/Yx8J+7LALuEj4RjkCoQbMkxsRzrGyjwKWQ+YntEX14gl8D3BQtHroIp7izxe6IAKg4pmpFccqb/i32d90HZ7pWaRlyEB8a8Iqfkc9AuwT6eTt0CqK",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.update",
        network: "ae_dev",
        tx: "tx_+NILAfiEuEBLjALehUTVZwpNzcBzBafDkIJLBvI7djsVkoWgvdNko7HjluOYiop68lMqwt/BPeY65clM/FLVk3Dv1gXsQocFuEBX4bd7upXPL53ulowDeapkodQn3+tTTxexnGSsQFE/8dcckoqJHu2+e1X2M/4THvZhcM6kduIeQx/Yx8J+7LALuEj4RjkCoQbMkxsRzrGyjwKWQ+YntEX14gl8D3BQtHroIp7izxe6IAKg4pmpFccqb/i32d90HZ7pWaRlyEB8a8Iqfkc9AuwT6eR8F8JT",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.sign.shutdown_sign",
        network: "ae_dev",
        tx: "tx_+GQLAcC4X/hdNQGhBsyTGxHOsbKPApZD5ie0RfXiCXwPcFC0euginuLPF7ogoQEpCAtA888Y2Wf9NCCx76qR7M7A8SrjM6LeUZ65+UlCOoY3+rniy/6GHLHOiuwCAIYPXtZ/KAADoODKLw==",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.shutdown_sign",
        network: "ae_dev",
        tx: "tx_+KcLAfhCuEBTZLZvixXNNQXLL4l4HuFgcIri7FwRskNj9fe6ZrBVpU4FZY3jjU+0BRnAN4IzPN3+53dYERd/JPiOt24b4rgEuF/4XTUBoQbMkxsRzrGyjwKWQ+YntEX14gl8D3BQtHroIp7izxe6IKEBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGN/q54sv+hhyxzorsAgCGD17WfygAA3VFnds=",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.no_offchain_tx.txt",
        method: "channels.shutdown_sign_ack",
        network: "ae_dev",
        tx: "tx_+OkLAfiEuEBTZLZvixXNNQXLL4l4HuFgcIri7FwRskNj9fe6ZrBVpU4FZY3jjU+0BRnAN4IzPN3+53dYERd/JPiOt24b4rgEuEDzf6MmOB4jyWBIsM9l9KWsbIJZKztz+wiMOxTrwcPBpHtv+p0sm8Ud6CC0mNUiN1S+/iBoTXz1Z+M15q4hhCgCuF/4XTUBoQbMkxsRzrGyjwKWQ+YntEX14gl8D3BQtHroIp7izxe6IKEBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGN/q54sv+hhyxzorsAgCGD17WfygAAxyEI9Y=",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.sign.initiator_sign",
        network: "ae_dev",
        tx: "tx_+IkLAcC4hPiCMgKhAW2qXBqYeAZtkX/sII2uO1pVvGKD7tMGytFdYAD/2xZxhj+qJSJgAKEBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGJGE5yoAAAgoAhhALIe8QAMDAoHkoQ08OKWtijkgrQfs/m8neBYExFq2zcK+icYWQYkg4BRXNJgc=",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.initiator_sign",
        network: "ae_dev",
        tx: "tx_+MwLAfhCuEC6EhPj1k7jLIVNLzMsjYEek6thjnPuEPyK6dFwpWqPW0XtVhDUJsRKWU6toxCgWpGdTf/BLYiQAN3SLxUufo4FuIT4gjICoQFtqlwamHgGbZF/7CCNrjtaVbxig+7TBsrRXWAA/9sWcYY/qiUiYAChASkIC0DzzxjZZ/00ILHvqpHszsDxKuMzot5Rnrn5SUI6hiRhOcqAAAIKAIYQCyHvEADAwKB5KENPDilrYo5IK0H7P5vJ3gWBMRats3CvonGFkGJIOAUsPx0X",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.responder_sign",
        network: "ae_dev",
        tx: "tx_+QEOCwH4hLhAuhIT49ZO4yyFTS8zLI2BHpOrYY5z7hD8iunRcKVqj1tF7VYQ1CbESllOraMQoFqRnU3/wS2IkADd0i8VLn6OBbhAyJZutW15DOf+hwrFWQkIBeOZ5bM+oSrzWMeMY9Ggd3gPoI7dy2uVMGl5W8uZr+0oqm9+yANyqBVCWvah9c4dBriE+IIyAqEBbapcGph4Bm2Rf+wgja47WlW8YoPu0wbK0V1gAP/bFnGGP6olImAAoQEpCAtA888Y2Wf9NCCx76qR7M7A8SrjM6LeUZ65+UlCOoYkYTnKgAACCgCGEAsh7xAAwMCgeShDTw4pa2KOSCtB+z+byd4FgTEWrbNwr6JxhZBiSDgFrx7usg==",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.sign.update",
        network: "ae_dev",
        tx: "tx_+E0LAcC4SPhGOQKhBoFpB1naI5N0SOp9aAlQAPKOr08dyxeDRFwUNS289fBbAqDimakVxypv+LfZ33QdnulZpGXIQHxrwip+Rz0C7BPp5AFeGb8=",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.update",
        network: "ae_dev",
        tx: "tx_+JALAfhCuECK6XjF31IXS4J3rbpBmNGW5Lf6LBDH3yoQCoTHE/cbBNr3ZW+LMoRe3NEhS0J36d7Img9u/Slg7P4fPFr6GDkMuEj4RjkCoQaBaQdZ2iOTdEjqfWgJUADyjq9PHcsXg0RcFDUtvPXwWwKg4pmpFccqb/i32d90HZ7pWaRlyEB8a8Iqfkc9AuwT6eTzu8di",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.update",
        network: "ae_dev",
        tx: "tx_+NILAfiEuEAwsXFWBi8IqlbHeYT8NXAGYFhFm0yndLJwDb+7uQpZCX/E3t5ka9m65oNAIgjERtziWHzZxAAEcHXyPaE15/QMuECK6XjF31IXS4J3rbpBmNGW5Lf6LBDH3yoQCoTHE/cbBNr3ZW+LMoRe3NEhS0J36d7Img9u/Slg7P4fPFr6GDkMuEj4RjkCoQaBaQdZ2iOTdEjqfWgJUADyjq9PHcsXg0RcFDUtvPXwWwKg4pmpFccqb/i32d90HZ7pWaRlyEB8a8Iqfkc9AuwT6eQvqzs+",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.sign.shutdown_sign",
        network: "ae_dev",
        tx: "tx_+GQLAcC4X/hdNQGhBoFpB1naI5N0SOp9aAlQAPKOr08dyxeDRFwUNS289fBboQEpCAtA888Y2Wf9NCCx76qR7M7A8SrjM6LeUZ65+UlCOoY3+rniy/6GHLHOiuwCAIYPXtZ/KAACltzkjQ==",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.shutdown_sign",
        network: "ae_dev",
        tx: "tx_+KcLAfhCuEBZ1gq/57FsbUnzXHk3jNkTjG+T0gCJlYbronUrhbOBooJALQ0EHcmvZmM5KR0vc7Zj2/BaHx1SqrfxKR72FYQHuF/4XTUBoQaBaQdZ2iOTdEjqfWgJUADyjq9PHcsXg0RcFDUtvPXwW6EBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGN/q54sv+hhyxzorsAgCGD17WfygAAjY+Q8I=",
    },
    Recorded {
        source: "live/001_basic_client_reconnect_r.txt",
        method: "channels.shutdown_sign_ack",
        network: "ae_dev",
        tx: "tx_+OkLAfiEuEBZ1gq/57FsbUnzXHk3jNkTjG+T0gCJlYbronUrhbOBooJALQ0EHcmvZmM5KR0vc7Zj2/BaHx1SqrfxKR72FYQHuEDctR5AJw1FgWUu4IoC+Ud5QnVmVC469FH1eY2rKyte8YRMljv8SEYhKzYOWR4oIk6Vzp/hS0ft06Hu4VF6uFkKuF/4XTUBoQaBaQdZ2iOTdEjqfWgJUADyjq9PHcsXg0RcFDUtvPXwW6EBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGN/q54sv+hhyxzorsAgCGD17WfygAArv18Qc=",
    },
];
