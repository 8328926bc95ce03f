//! Contract — tag 40 (`aect_contracts`), and the packed `ct_version`.

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use crate::encoding::Prefix;
use crate::id::Id;
use crate::object::{fields, unsupported, Object};
use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};
use crate::Uint;

/// The VM and ABI versions of a contract, serialized as one packed integer.
///
/// Packing (`aect_contracts:pack_vm_abi`): `(vm << 16) | abi`, except that `vm == abi ≤ 2`
/// (the Roma AEVM and Solidity versions) packs as just `abi`. Unpacking a value whose VM half
/// is zero gives `vm = abi`. Decoding accepts only values that pack back to themselves, so
/// decode and encode are exact inverses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CtVersion {
    /// VM version (5 FATE_SOPHIA_1, 7 FATE_SOPHIA_2, 8 FATE_SOPHIA_3, …).
    pub vm: u16,
    /// ABI version (1 AEVM_SOPHIA_1, 2 SOLIDITY_1, 3 FATE_SOPHIA_1).
    pub abi: u16,
}

impl CtVersion {
    /// The packed integer.
    pub fn pack(self) -> u64 {
        if self.vm == self.abi && self.abi <= 2 {
            u64::from(self.abi)
        } else {
            (u64::from(self.vm) << 16) | u64::from(self.abi)
        }
    }

    /// Unpacks an integer, when it is the canonical packing of some VM/ABI pair.
    pub fn unpack(packed: u64) -> Option<Self> {
        let value = u32::try_from(packed).ok()?;
        let abi = (value & 0xffff) as u16;
        let vm = match (value >> 16) as u16 {
            0 => abi,
            vm => vm,
        };
        let v = CtVersion { vm, abi };
        (v.pack() == packed).then_some(v)
    }

    /// Decodes the packed integer field.
    ///
    /// # Errors
    /// A [`DecodeError`] for a malformed integer or a non-canonical packing.
    pub fn decode_rlp(item: &Item<'_>) -> Result<Self, DecodeError> {
        CtVersion::unpack(item.as_u64()?).ok_or(DecodeError::new(
            item.offset,
            DecodeErrorKind::Invalid("ct_version is not a canonical vm/abi packing"),
        ))
    }

    /// Writes the packed integer.
    pub fn encode_rlp(self, enc: &mut Encoder) {
        enc.uint_u64(self.pack());
    }
}

/// The version-specific layout of a [`Contract`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContractVersion {
    /// Version 1: no code reference.
    V1,
    /// Version 2 (FATE from Iris): an optional reference to the contract holding the code.
    V2 {
        /// The contract whose code this one uses (`code_ref`, a list of zero or one ids).
        code_ref: Option<Id>,
    },
}

/// A contract object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Contract {
    /// The owner (creator) id.
    pub owner_id: Id,
    /// VM and ABI versions.
    pub ct_version: CtVersion,
    /// The serialized code.
    pub code: Vec<u8>,
    /// Version 1 or 2 with its code reference.
    pub version: ContractVersion,
    /// The log field (always empty in practice).
    pub log: Vec<u8>,
    /// Whether the contract is active.
    pub active: bool,
    /// Referring contracts.
    pub referrer_ids: Vec<Id>,
    /// The deposit.
    pub deposit: Uint,
}

impl Object for Contract {
    const TAG: u32 = 40;

    fn version(&self) -> u32 {
        match self.version {
            ContractVersion::V1 => 1,
            ContractVersion::V2 { .. } => 2,
        }
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        self.owner_id.encode_rlp(enc);
        self.ct_version.encode_rlp(enc);
        enc.bytes(&self.code);
        if let ContractVersion::V2 { code_ref } = &self.version {
            enc.list(|l| code_ref.iter().for_each(|id| id.encode_rlp(l)));
        }
        enc.bytes(&self.log);
        enc.bool(self.active);
        enc.list(|l| self.referrer_ids.iter().for_each(|id| id.encode_rlp(l)));
        self.deposit.encode_rlp(enc);
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        let (owner, ct_version, code, version, rest) = match version {
            1 => {
                let [owner, ct, code, log, active, referrers, deposit] = fields::<7>(items, at)?;
                (owner, ct, code, ContractVersion::V1, [log, active, referrers, deposit])
            }
            2 => {
                let [owner, ct, code, code_ref, log, active, referrers, deposit] =
                    fields::<8>(items, at)?;
                let code_ref = match code_ref.as_list()? {
                    [] => None,
                    [id] => Some(Id::decode_rlp(id)?),
                    more => {
                        return Err(DecodeError::new(
                            code_ref.offset,
                            DecodeErrorKind::ListLength { expected: 1, found: more.len() },
                        ))
                    }
                };
                (
                    owner,
                    ct,
                    code,
                    ContractVersion::V2 { code_ref },
                    [log, active, referrers, deposit],
                )
            }
            v => return Err(unsupported(Self::TAG, v, at)),
        };
        let [log, active, referrers, deposit] = rest;
        Ok(Contract {
            owner_id: Id::decode_rlp(owner)?,
            ct_version: CtVersion::decode_rlp(ct_version)?,
            code: code.as_bytes()?.to_vec(),
            version,
            log: log.as_bytes()?.to_vec(),
            active: active.as_bool()?,
            referrer_ids: referrers
                .as_list()?
                .iter()
                .map(Id::decode_rlp)
                .collect::<Result<_, _>>()?,
            deposit: Uint::decode_rlp(deposit)?,
        })
    }
}

impl Contract {
    /// The JSON form, with the node's names: `owner_id`, `vm_version`, `abi_version`,
    /// `active`, `referrer_ids`, `deposit`, plus `code` and `log` (`cb_`) and, for version 2,
    /// `code_ref` (`null` or an id).
    pub fn to_json(&self) -> Value {
        let mut v = json::object([
            ("owner_id", json::str_of(self.owner_id)),
            ("vm_version", Value::from(self.ct_version.vm)),
            ("abi_version", Value::from(self.ct_version.abi)),
            ("code", json::prefixed(Prefix::ContractBytearray, &self.code)),
            ("log", json::prefixed(Prefix::ContractBytearray, &self.log)),
            ("active", Value::from(self.active)),
            ("referrer_ids", self.referrer_ids.iter().map(json::str_of).collect()),
            ("deposit", self.deposit.to_json()),
        ]);
        if let (Value::Object(map), ContractVersion::V2 { code_ref }) = (&mut v, &self.version) {
            map.insert("code_ref".into(), code_ref.map_or(Value::Null, json::str_of));
        }
        v
    }

    /// Reads the JSON form of [`Contract::to_json`].
    ///
    /// # Errors
    /// A [`JsonError`] naming the missing or malformed field, or a version pair that does not
    /// pack.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "contract")?;
        let small = |field| {
            u16::try_from(o.u64(field)?)
                .map_err(|_| JsonError::Invalid { field, expected: "an integer below 2^16" })
        };
        let ct_version = CtVersion { vm: small("vm_version")?, abi: small("abi_version")? };
        if CtVersion::unpack(ct_version.pack()) != Some(ct_version) {
            return Err(JsonError::Inconsistent { rule: "vm_version/abi_version do not pack" });
        }
        let version = match o.opt("code_ref") {
            None => ContractVersion::V1,
            Some(Value::Null) => ContractVersion::V2 { code_ref: None },
            Some(id) => ContractVersion::V2 { code_ref: Some(json::parse(id, "code_ref")?) },
        };
        Ok(Contract {
            owner_id: o.parsed("owner_id")?,
            ct_version,
            code: o.bytes("code", Prefix::ContractBytearray)?,
            version,
            log: o.bytes("log", Prefix::ContractBytearray)?,
            active: o.bool("active")?,
            referrer_ids: json::ids(o.req("referrer_ids")?, "referrer_ids")?,
            deposit: o.uint("deposit")?,
        })
    }
}
