//! Off-chain updates (tags 570–574 and 576): the operations a new channel round applies.
//!
//! Each update type is one row of the table below: variant, tag, version, JSON `op` and its
//! fields with their codecs and JSON keys. `update_table!` (in `update_table.rs`) generates the
//! enum and every dispatch on it from those rows. The irregular forms are codecs here:
//! [`CtVersion`] packs a contract's VM and ABI versions into one RLP field, [`MetaData`] gives a
//! meta update's bytes their JSON form.

use serde_json::{Map, Value};

use crate::id::{AccountId, ContractId};
use crate::rlp::{self, DecodeError, DecodeErrorKind, Encoder, Item};
use crate::tx::error::{JsonError, JsonErrorKind};
use crate::tx::field::{self, Cb, FieldCodec};
use crate::tx::update_table::{update_table, GroupCodec};
use crate::Uint;

update_table! {
    /// One off-chain update, as serialized in version-1 off-chain txs and force progress, and as
    /// listed (JSON, with an `op`) in sign requests.
    pub enum Update {
        /// Tokens move between the participants (tag 570, `OffChainTransfer`).
        Transfer = 570, version 1, "OffChainTransfer" {
            /// The paying participant.
            from: AccountId,
            /// The receiving participant.
            to: AccountId,
            /// The amount.
            amount: Uint,
        }
        /// Tokens come in from chain (tag 571, `OffChainDeposit`).
        Deposit = 571, version 1, "OffChainDeposit" {
            /// The depositing participant.
            from: AccountId,
            /// The amount.
            amount: Uint,
        }
        /// Tokens go out to chain (tag 572, `OffChainWithdrawal`).
        Withdraw = 572, version 1, "OffChainWithdrawal" {
            /// The withdrawing participant.
            to: AccountId,
            /// The amount.
            amount: Uint,
        }
        /// A contract is created off-chain (tag 573, `OffChainNewContract`).
        ///
        /// `vm_version` and `abi_version` serialize packed into one `ct_version` integer
        /// ([`pack_ct_version`]); only pairs that pack reversibly (both below 2^16, and `vm` zero
        /// only with `abi` zero) round-trip, and decoding rejects any other `ct_version`.
        CreateContract = 573, version 1, "OffChainNewContract" {
            /// The participant creating the contract.
            owner: AccountId,
            ct_version as CtVersion {
                /// The VM version.
                vm_version: u64,
                /// The ABI version.
                abi_version: u64,
            },
            /// The compiled code (`cb_…` in JSON).
            code: Vec<u8> as Cb,
            /// Tokens given to the contract.
            deposit: Uint,
            /// The init call data (`cb_…` in JSON).
            call_data: Vec<u8> as Cb,
        }
        /// A contract is called off-chain (tag 574, `OffChainCallContract`).
        CallContract = 574, version 1, "OffChainCallContract" {
            /// The calling participant.
            caller: AccountId => "caller_id",
            /// The contract called.
            contract: ContractId => "contract_id",
            /// The ABI version of the call.
            abi_version: u64,
            /// Tokens sent with the call.
            amount: Uint,
            /// Gas limit.
            gas: u64,
            /// Gas price.
            gas_price: Uint,
            /// The call data (`cb_…` in JSON).
            call_data: Vec<u8> as Cb,
            /// The call stack (always empty in practice).
            call_stack: Vec<Uint> as [Uint],
        }
        /// A message that does not change the state (tag 576, version 2, `OffChainMeta`).
        ///
        /// JSON: `data` is the text when the bytes are UTF-8, otherwise `{"cb": "cb_…"}` (the node
        /// defines no form for such bytes).
        Meta = 576, version 2, "OffChainMeta" {
            /// The message bytes.
            data: Vec<u8> as MetaData,
        }
    }
}

/// Packs a VM and an ABI version into a contract's `ct_version`, as the node does: just `abi`
/// when `vm == abi <= 2` (Roma), else `vm << 16 | abi`. `None` when the pair does not pack
/// reversibly: a version above `0xffff`, or `vm == 0` with a non-zero `abi`.
pub fn pack_ct_version(vm: u64, abi: u64) -> Option<u64> {
    if vm > 0xffff || abi > 0xffff || (vm == 0 && abi != 0) {
        return None;
    }
    Some(if vm == abi && abi <= 2 { abi } else { (vm << 16) | abi })
}

/// Splits a `ct_version` into `(vm, abi)`; `vm == 0` means `vm = abi` (Roma). `None` unless the
/// value is exactly what [`pack_ct_version`] produces for the result.
pub fn split_ct_version(ct: u64) -> Option<(u64, u64)> {
    let (vm, abi) = (ct >> 16, ct & 0xffff);
    let vm = if vm == 0 { abi } else { vm };
    (pack_ct_version(vm, abi) == Some(ct)).then_some((vm, abi))
}

impl Update {
    /// Writes the serialized update into `enc`.
    pub fn encode_rlp(&self, enc: &mut Encoder) {
        enc.list(|l| {
            l.uint_u64(u64::from(self.tag()));
            l.uint_u64(u64::from(self.version()));
            self.encode_fields(l);
        });
    }

    /// The canonical serialization.
    pub fn to_rlp(&self) -> Vec<u8> {
        let mut enc = Encoder::new();
        self.encode_rlp(&mut enc);
        enc.finish()
    }

    /// Decodes exactly one update.
    ///
    /// # Errors
    /// A [`DecodeError`] at the offending position: unknown tag, unsupported version, wrong
    /// field count, bad field, or a `ct_version` that is not a canonical packing.
    pub fn from_rlp(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_item(&rlp::decode_exact(bytes)?)
    }
}

/// A contract's `ct_version`: the VM and ABI versions packed into one integer in RLP.
enum CtVersion {}

impl GroupCodec for CtVersion {
    type Parts = (u64, u64);

    fn encode(&(vm, abi): &(u64, u64), enc: &mut Encoder) {
        // Total even for pairs that do not pack reversibly (documented on the variant).
        let ct = (u128::from(vm) << 16) | u128::from(abi);
        let ct = pack_ct_version(vm, abi).map_or(ct, u128::from);
        Uint::encode(&Uint::from(ct), enc);
    }

    fn decode(item: &Item<'_>) -> Result<(u64, u64), DecodeError> {
        split_ct_version(item.as_u64()?).ok_or(DecodeError::new(
            item.offset,
            DecodeErrorKind::Invalid("ct_version is not a canonical vm/abi packing"),
        ))
    }

    fn check(&(vm, abi): &(u64, u64)) -> Result<(), &'static str> {
        match pack_ct_version(vm, abi) {
            Some(_) => Ok(()),
            None => Err("vm_version and abi_version do not pack into a ct_version"),
        }
    }
}

/// A meta update's bytes: contract bytes in RLP, the text (or `{"cb": "cb_…"}`) in JSON.
enum MetaData {}

impl FieldCodec<Vec<u8>> for MetaData {
    fn encode(v: &Vec<u8>, enc: &mut Encoder) {
        Cb::encode(v, enc);
    }
    fn decode(item: &Item<'_>, depth: usize) -> Result<Vec<u8>, DecodeError> {
        Cb::decode(item, depth)
    }
    fn to_json(v: &Vec<u8>) -> Value {
        match core::str::from_utf8(v) {
            Ok(text) => Value::from(text),
            Err(_) => {
                let mut m = Map::new();
                m.insert("cb".into(), Cb::to_json(v));
                Value::Object(m)
            }
        }
    }
    fn from_json(v: &Value, _depth: usize) -> Result<Vec<u8>, JsonError> {
        match v {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            Value::Object(m) => field::read::<_, Cb>(m, "cb", 0),
            _ => Err(JsonErrorKind::WrongType { expected: "string" }.into()),
        }
    }
}

/// An update as a field: serialized bytes in RLP, the `op` object in JSON.
impl FieldCodec<Update> for Update {
    fn encode(v: &Update, enc: &mut Encoder) {
        enc.bytes(&v.to_rlp());
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<Update, DecodeError> {
        field::nested(item, Update::decode_item)
    }
    fn to_json(v: &Update) -> Value {
        v.to_json()
    }
    fn from_json(v: &Value, _depth: usize) -> Result<Update, JsonError> {
        Update::from_json(v)
    }
}
