//! Off-chain updates (tags 570–574 and 576): the operations a new channel round applies.

use serde_json::{Map, Value};

use crate::id::{AccountId, ContractId};
use crate::object::{self, unsupported};
use crate::rlp::{self, DecodeError, DecodeErrorKind, Encoder, Item};
use crate::tx::error::{JsonError, JsonErrorKind};
use crate::tx::field::{self, Cb, FieldCodec};
use crate::Uint;

/// One off-chain update, as serialized in version-1 off-chain txs and force progress, and as
/// listed (JSON, with an `op`) in sign requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// Tokens move between the participants (tag 570, `OffChainTransfer`).
    Transfer {
        /// The paying participant.
        from: AccountId,
        /// The receiving participant.
        to: AccountId,
        /// The amount.
        amount: Uint,
    },
    /// Tokens come in from chain (tag 571, `OffChainDeposit`).
    Deposit {
        /// The depositing participant.
        from: AccountId,
        /// The amount.
        amount: Uint,
    },
    /// Tokens go out to chain (tag 572, `OffChainWithdrawal`).
    Withdraw {
        /// The withdrawing participant.
        to: AccountId,
        /// The amount.
        amount: Uint,
    },
    /// A contract is created off-chain (tag 573, `OffChainNewContract`).
    ///
    /// `vm_version` and `abi_version` serialize packed into one `ct_version` integer
    /// ([`pack_ct_version`]); only pairs that pack reversibly (both below 2^16, and `vm` zero
    /// only with `abi` zero) round-trip, and decoding rejects any other `ct_version`.
    CreateContract {
        /// The participant creating the contract.
        owner: AccountId,
        /// The VM version.
        vm_version: u64,
        /// The ABI version.
        abi_version: u64,
        /// The compiled code (`cb_…` in JSON).
        code: Vec<u8>,
        /// Tokens given to the contract.
        deposit: Uint,
        /// The init call data (`cb_…` in JSON).
        call_data: Vec<u8>,
    },
    /// A contract is called off-chain (tag 574, `OffChainCallContract`).
    CallContract {
        /// The calling participant.
        caller: AccountId,
        /// The contract called.
        contract: ContractId,
        /// The ABI version of the call.
        abi_version: u64,
        /// Tokens sent with the call.
        amount: Uint,
        /// Gas limit.
        gas: u64,
        /// Gas price.
        gas_price: Uint,
        /// The call data (`cb_…` in JSON).
        call_data: Vec<u8>,
        /// The call stack (always empty in practice).
        call_stack: Vec<Uint>,
    },
    /// A message that does not change the state (tag 576, version 2, `OffChainMeta`).
    ///
    /// JSON: `data` is the text when the bytes are UTF-8, otherwise `{"cb": "cb_…"}` (the node
    /// defines no form for such bytes).
    Meta {
        /// The message bytes.
        data: Vec<u8>,
    },
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

const OPS: [(&str, u32); 6] = [
    ("OffChainTransfer", 570),
    ("OffChainDeposit", 571),
    ("OffChainWithdrawal", 572),
    ("OffChainNewContract", 573),
    ("OffChainCallContract", 574),
    ("OffChainMeta", 576),
];

impl Update {
    /// The object tag (570–574, 576).
    pub const fn tag(&self) -> u32 {
        match self {
            Update::Transfer { .. } => 570,
            Update::Deposit { .. } => 571,
            Update::Withdraw { .. } => 572,
            Update::CreateContract { .. } => 573,
            Update::CallContract { .. } => 574,
            Update::Meta { .. } => 576,
        }
    }

    /// The serialization version: 2 for meta, 1 for the others.
    pub const fn version(&self) -> u32 {
        match self {
            Update::Meta { .. } => 2,
            _ => 1,
        }
    }

    /// The JSON `op` name (`OffChainTransfer`, …).
    pub fn op(&self) -> &'static str {
        let tag = self.tag();
        OPS.iter().find(|(_, t)| *t == tag).map_or("", |(name, _)| name)
    }

    /// Writes the serialized update into `enc`.
    pub fn encode_rlp(&self, enc: &mut Encoder) {
        enc.list(|l| {
            l.uint_u64(u64::from(self.tag()));
            l.uint_u64(u64::from(self.version()));
            self.encode_fields(l);
        });
    }

    fn encode_fields(&self, l: &mut Encoder) {
        match self {
            Update::Transfer { from, to, amount } => {
                AccountId::encode(from, l);
                AccountId::encode(to, l);
                Uint::encode(amount, l);
            }
            Update::Deposit { from: who, amount } | Update::Withdraw { to: who, amount } => {
                AccountId::encode(who, l);
                Uint::encode(amount, l);
            }
            Update::CreateContract { owner, vm_version, abi_version, code, deposit, call_data } => {
                AccountId::encode(owner, l);
                // Total even for pairs that do not pack reversibly (documented on the variant).
                let ct = (u128::from(*vm_version) << 16) | u128::from(*abi_version);
                let ct = pack_ct_version(*vm_version, *abi_version).map_or(ct, u128::from);
                Uint::encode(&Uint::from(ct), l);
                Cb::encode(code, l);
                Uint::encode(deposit, l);
                Cb::encode(call_data, l);
            }
            Update::CallContract {
                caller,
                contract,
                abi_version,
                amount,
                gas,
                gas_price,
                call_data,
                call_stack,
            } => {
                AccountId::encode(caller, l);
                ContractId::encode(contract, l);
                u64::encode(abi_version, l);
                Uint::encode(amount, l);
                u64::encode(gas, l);
                Uint::encode(gas_price, l);
                Cb::encode(call_data, l);
                <[Uint]>::encode(call_stack, l);
            }
            Update::Meta { data } => Cb::encode(data, l),
        }
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

    /// Decodes an update from a parsed item.
    ///
    /// # Errors
    /// As [`Update::from_rlp`].
    pub fn decode_item(item: &Item<'_>) -> Result<Self, DecodeError> {
        let (tag, version, fields) = object::envelope(item)?;
        let at = item.offset;
        let expected = match tag {
            576 => 2,
            570..=574 => 1,
            _ => return Err(DecodeError::new(at, DecodeErrorKind::UnknownTag { tag })),
        };
        if version != expected {
            return Err(unsupported(tag, version, at));
        }
        Ok(match tag {
            570 => {
                let [from, to, amount] = object::fields::<3>(fields, at)?;
                Update::Transfer {
                    from: AccountId::decode(from, 0)?,
                    to: AccountId::decode(to, 0)?,
                    amount: Uint::decode(amount, 0)?,
                }
            }
            571 => {
                let [from, amount] = object::fields::<2>(fields, at)?;
                Update::Deposit {
                    from: AccountId::decode(from, 0)?,
                    amount: Uint::decode(amount, 0)?,
                }
            }
            572 => {
                let [to, amount] = object::fields::<2>(fields, at)?;
                Update::Withdraw { to: AccountId::decode(to, 0)?, amount: Uint::decode(amount, 0)? }
            }
            573 => {
                let [owner, ct, code, deposit, call_data] = object::fields::<5>(fields, at)?;
                let owner = AccountId::decode(owner, 0)?;
                let (vm_version, abi_version) =
                    split_ct_version(ct.as_u64()?).ok_or(DecodeError::new(
                        ct.offset,
                        DecodeErrorKind::Invalid("ct_version is not a canonical vm/abi packing"),
                    ))?;
                Update::CreateContract {
                    owner,
                    vm_version,
                    abi_version,
                    code: Cb::decode(code, 0)?,
                    deposit: Uint::decode(deposit, 0)?,
                    call_data: Cb::decode(call_data, 0)?,
                }
            }
            574 => {
                let [caller, contract, abi, amount, gas, gas_price, call_data, call_stack] =
                    object::fields::<8>(fields, at)?;
                Update::CallContract {
                    caller: AccountId::decode(caller, 0)?,
                    contract: ContractId::decode(contract, 0)?,
                    abi_version: u64::decode(abi, 0)?,
                    amount: Uint::decode(amount, 0)?,
                    gas: u64::decode(gas, 0)?,
                    gas_price: Uint::decode(gas_price, 0)?,
                    call_data: Cb::decode(call_data, 0)?,
                    call_stack: <[Uint]>::decode(call_stack, 0)?,
                }
            }
            _ => {
                let [data] = object::fields::<1>(fields, at)?;
                Update::Meta { data: Cb::decode(data, 0)? }
            }
        })
    }

    /// The JSON form used in sign requests: an object with `op` and the update's keys.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_owned(), v);
        };
        put("op", Value::from(self.op()));
        match self {
            Update::Transfer { from, to, amount } => {
                put("from", AccountId::to_json(from));
                put("to", AccountId::to_json(to));
                put("amount", amount.to_json());
            }
            Update::Deposit { from, amount } => {
                put("from", AccountId::to_json(from));
                put("amount", amount.to_json());
            }
            Update::Withdraw { to, amount } => {
                put("to", AccountId::to_json(to));
                put("amount", amount.to_json());
            }
            Update::CreateContract { owner, vm_version, abi_version, code, deposit, call_data } => {
                put("owner", AccountId::to_json(owner));
                put("vm_version", Value::from(*vm_version));
                put("abi_version", Value::from(*abi_version));
                put("code", Cb::to_json(code));
                put("deposit", deposit.to_json());
                put("call_data", Cb::to_json(call_data));
            }
            Update::CallContract {
                caller,
                contract,
                abi_version,
                amount,
                gas,
                gas_price,
                call_data,
                call_stack,
            } => {
                put("caller_id", AccountId::to_json(caller));
                put("contract_id", ContractId::to_json(contract));
                put("abi_version", Value::from(*abi_version));
                put("amount", amount.to_json());
                put("gas", Value::from(*gas));
                put("gas_price", gas_price.to_json());
                put("call_data", Cb::to_json(call_data));
                put("call_stack", <[Uint]>::to_json(call_stack));
            }
            Update::Meta { data } => put("data", meta_to_json(data)),
        }
        Value::Object(m)
    }

    /// Reads the JSON form; keys other than the update's own are ignored.
    ///
    /// # Errors
    /// A [`JsonError`] naming the offending key.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let m = field::object(v)?;
        let op = field::read::<String, String>(m, "op", 0)?;
        let r = |k: &str| -> Result<AccountId, JsonError> { field::read::<_, AccountId>(m, k, 0) };
        let uint = |k: &str| -> Result<Uint, JsonError> { field::read::<_, Uint>(m, k, 0) };
        let int = |k: &str| -> Result<u64, JsonError> { field::read::<_, u64>(m, k, 0) };
        let cb = |k: &str| -> Result<Vec<u8>, JsonError> { field::read::<_, Cb>(m, k, 0) };
        Ok(match op.as_str() {
            "OffChainTransfer" => {
                Update::Transfer { from: r("from")?, to: r("to")?, amount: uint("amount")? }
            }
            "OffChainDeposit" => Update::Deposit { from: r("from")?, amount: uint("amount")? },
            "OffChainWithdrawal" => Update::Withdraw { to: r("to")?, amount: uint("amount")? },
            "OffChainNewContract" => {
                let owner = r("owner")?;
                let vm_version = int("vm_version")?;
                let abi_version = int("abi_version")?;
                if pack_ct_version(vm_version, abi_version).is_none() {
                    return Err(JsonError::new(JsonErrorKind::Invalid(
                        "vm_version and abi_version do not pack into a ct_version",
                    ))
                    .within("vm_version"));
                }
                Update::CreateContract {
                    owner,
                    vm_version,
                    abi_version,
                    code: cb("code")?,
                    deposit: uint("deposit")?,
                    call_data: cb("call_data")?,
                }
            }
            "OffChainCallContract" => Update::CallContract {
                caller: r("caller_id")?,
                contract: field::read::<_, ContractId>(m, "contract_id", 0)?,
                abi_version: int("abi_version")?,
                amount: uint("amount")?,
                gas: int("gas")?,
                gas_price: uint("gas_price")?,
                call_data: cb("call_data")?,
                call_stack: field::read::<_, [Uint]>(m, "call_stack", 0)?,
            },
            "OffChainMeta" => {
                let data = m.get("data").ok_or(JsonError::new(JsonErrorKind::Missing));
                Update::Meta { data: data.and_then(meta_from_json).map_err(|e| e.within("data"))? }
            }
            _ => return Err(JsonError::new(JsonErrorKind::UnknownOp(op)).within("op")),
        })
    }
}

fn meta_to_json(data: &[u8]) -> Value {
    match core::str::from_utf8(data) {
        Ok(text) => Value::from(text),
        Err(_) => {
            let mut m = Map::new();
            m.insert("cb".into(), Cb::to_json(&data.to_vec()));
            Value::Object(m)
        }
    }
}

fn meta_from_json(v: &Value) -> Result<Vec<u8>, JsonError> {
    match v {
        Value::String(s) => Ok(s.as_bytes().to_vec()),
        Value::Object(m) => field::read::<_, Cb>(m, "cb", 0),
        _ => Err(JsonErrorKind::WrongType { expected: "string" }.into()),
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
