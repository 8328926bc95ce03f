//! Requests that make the FSM build an on-chain transaction: deposit, withdraw, the closing
//! family, snapshots and force progress, and `assume_minimum_depth`.
//!
//! All of them answer `"ok"` and then send the matching `channels.sign.*` request.

use serde_json::Value;

use super::update::require;
use super::Method;
use crate::id::{ContractId, TxHash};
use crate::jsonrpc::outputs::{OkReply, OutputError};
use crate::jsonrpc::params::{EncodingKind, Params, ParamsBuilder, ParamsError};
use crate::jsonrpc::values::{BlockHash, ContractBytes};
use crate::uint::Uint;

/// The optional fee, gas price and nonce of an FSM-built transaction (spec §6.4: without a
/// fee the FSM computes the minimum; without a nonce it picks the next one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxOptions {
    /// Fee.
    pub fee: Option<Uint>,
    /// Gas price used to compute the fee.
    pub gas_price: Option<Uint>,
    /// Nonce.
    pub nonce: Option<u64>,
}

impl TxOptions {
    fn write(&self, b: ParamsBuilder) -> ParamsBuilder {
        b.opt_uint("fee", self.fee.as_ref())
            .opt_uint("gas_price", self.gas_price.as_ref())
            .opt_u64("nonce", self.nonce)
    }

    fn read(p: &Params<'_>) -> Result<TxOptions, ParamsError> {
        Ok(TxOptions {
            fee: p.opt_uint("fee")?,
            gas_price: p.opt_uint("gas_price")?,
            nonce: p.opt_u64("nonce")?,
        })
    }
}

macro_rules! amount_method {
    ($(#[$doc:meta])* $name:ident, $method:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// Amount (must be above zero; zero is refused with `-32603`).
            pub amount: Uint,
            /// Fee, gas price and nonce of the on-chain tx.
            pub options: TxOptions,
            /// Pinned block.
            pub block_hash: Option<BlockHash>,
            /// Meta strings.
            pub meta: Vec<String>,
        }

        impl Method for $name {
            const NAME: &'static str = $method;
            type Output = OkReply;

            fn to_params(&self) -> Value {
                let b = ParamsBuilder::new().uint("amount", &self.amount);
                self.options.write(b).block_hash(self.block_hash.as_ref()).meta(&self.meta).build()
            }

            /// A zero amount is refused with `-32603`, as the node does.
            fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
                require(p, &["amount"])?;
                let amount = p.uint("amount")?;
                if amount.is_zero() {
                    let expected = "above zero";
                    return Err(ParamsError::InvalidValue { field: "amount", expected });
                }
                Ok($name {
                    amount,
                    options: TxOptions::read(p)?,
                    block_hash: p.block_hash()?,
                    meta: p.meta()?,
                })
            }

            fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
                OkReply::parse(result)
            }
        }
    };
}

amount_method!(
    /// `channels.deposit`: move `amount` from the caller's on-chain account into the channel.
    Deposit,
    "channels.deposit"
);
amount_method!(
    /// `channels.withdraw`: move `amount` from the channel to the caller's on-chain account.
    Withdraw,
    "channels.withdraw"
);

macro_rules! options_method {
    ($(#[$doc:meta])* $name:ident, $method:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            /// Fee, gas price and nonce of the on-chain tx.
            pub options: TxOptions,
        }

        impl Method for $name {
            const NAME: &'static str = $method;
            type Output = OkReply;

            fn to_params(&self) -> Value {
                self.options.write(ParamsBuilder::new()).build()
            }

            fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
                Ok($name { options: TxOptions::read(p)? })
            }

            fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
                OkReply::parse(result)
            }
        }
    };
}

options_method!(
    /// `channels.shutdown`: close the channel mutually (open, or solo-closing from Lima).
    Shutdown,
    "channels.shutdown"
);
options_method!(
    /// `channels.close_solo`: close the channel unilaterally with the latest state.
    CloseSolo,
    "channels.close_solo"
);
options_method!(
    /// `channels.slash`: answer an outdated solo close with the latest state.
    Slash,
    "channels.slash"
);
options_method!(
    /// `channels.settle`: pay out a solo-closed channel after its lock period.
    Settle,
    "channels.settle"
);
options_method!(
    /// `channels.snapshot_solo`: put the latest off-chain state on chain.
    SnapshotSolo,
    "channels.snapshot_solo"
);

/// `channels.force_progress`: make a contract call on chain on top of the latest state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForceProgress {
    /// The contract.
    pub contract_id: ContractId,
    /// ABI version.
    pub abi_version: u64,
    /// Amount sent with the call.
    pub amount: Uint,
    /// Call data.
    pub call_data: ContractBytes,
    /// Gas price of the call.
    pub gas_price: Uint,
    /// Gas limit (node default 1 000 000).
    pub gas: Option<u64>,
    /// Nonce of the on-chain tx.
    pub nonce: Option<u64>,
}

impl Method for ForceProgress {
    const NAME: &'static str = "channels.force_progress";
    type Output = OkReply;

    fn to_params(&self) -> Value {
        ParamsBuilder::new()
            .str("contract_id", &self.contract_id)
            .put("abi_version", self.abi_version)
            .uint("amount", &self.amount)
            .str("call_data", &self.call_data)
            .uint("gas_price", &self.gas_price)
            .opt_u64("gas", self.gas)
            .opt_u64("nonce", self.nonce)
            .build()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["contract_id", "abi_version", "amount", "call_data", "gas_price"])?;
        Ok(ForceProgress {
            contract_id: p.encoded("contract_id", EncodingKind::ContractPubkey)?,
            abi_version: p.u64("abi_version")?,
            amount: p.uint("amount")?,
            call_data: p.encoded("call_data", EncodingKind::ContractBytearray)?,
            gas_price: p.uint("gas_price")?,
            gas: p.opt_u64("gas")?,
            nonce: p.opt_u64("nonce")?,
        })
    }

    fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
        OkReply::parse(result)
    }
}

/// `channels.assume_minimum_depth`: proceed as if `tx_hash` had reached minimum depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeMinimumDepth {
    /// The transaction the FSM is waiting for.
    pub tx_hash: TxHash,
}

impl Method for AssumeMinimumDepth {
    const NAME: &'static str = "channels.assume_minimum_depth";
    type Output = OkReply;

    fn to_params(&self) -> Value {
        ParamsBuilder::new().str("tx_hash", &self.tx_hash).build()
    }

    /// A malformed hash is [`ParamsError::Dropped`]: the node sends no reply at all.
    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["tx_hash"])?;
        let tx_hash = p
            .get("tx_hash")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or(ParamsError::Dropped { field: "tx_hash" })?;
        Ok(AssumeMinimumDepth { tx_hash })
    }

    fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
        OkReply::parse(result)
    }
}
