//! The channel's operations: off-chain transfers, messages, queries, on-chain operations and
//! leaving. Each blocks until the node confirms it, within the deadlines of the Rust client.

use std::ffi::c_char;

use aesc_client::aesc_codec::id::AccountId;
use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::aesc_codec::tx::SignedTx;
use aesc_client::{Channel, Error};
use serde_json::{Map, Value};

use crate::channel::{aesc_channel, channel_ref};
use crate::error::Failure;
use crate::guard;
use crate::json;
use crate::result::aesc_result;
use crate::strings::{amount, opt_str_in, parsed, str_array_in, str_in, Out, OutStr};

/// Runs `op` on the channel behind `channel`.
fn with_channel(
    channel: *const aesc_channel,
    op: impl FnOnce(&Channel) -> Result<(), Failure>,
) -> aesc_result {
    guard::run(|| {
        // SAFETY: the caller passes a live handle (contract of each function).
        let ch = unsafe { channel_ref(channel) }?;
        op(&ch.read())
    })
}

/// Writes `round` to `out`.
fn give_round(out: Out<u64>, round: u64) {
    // SAFETY: a writable `uint64_t *` (contract of each function).
    unsafe { out.write(round) }
}

/// Transfers `amount` (a decimal string) from this party to `to` (`ak_…`, the other party)
/// and writes the new round to `*round_out` once both parties have signed it. The other
/// party's client checks and co-signs it on its own (by its signing policy).
///
/// Deadlines: `deadlines_ms.sign_request`, then `deadlines_ms.co_signed`.
///
/// Ownership: the strings are borrowed for the call; `round_out` belongs to the caller.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT` (an account or amount that does not parse),
/// `AESC_RESULT_NODE_ERROR` (the node refused the request, e.g. data code 1001 for an
/// insufficient balance), `AESC_RESULT_REFUSED` (this client's checks refused the node's sign
/// request), `AESC_RESULT_CONFLICT` (the other party refused), `AESC_RESULT_BUSY`,
/// `AESC_RESULT_TIMEOUT`, `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_transfer(
    channel: *const aesc_channel,
    to: *const c_char,
    amount: *const c_char,
    round_out: *mut u64,
) -> aesc_result {
    aesc_channel_transfer_with_meta(
        channel,
        std::ptr::null(),
        to,
        amount,
        std::ptr::null(),
        0,
        round_out,
    )
}

/// Transfers `amount` (a decimal string) from `from` to `to` (`ak_…`, the two parties; `from`
/// NULL means this party), with the `meta_len` strings `meta` recorded as meta updates of the
/// same round, and writes the new round to `*round_out`. When `from` is the other party, its
/// signing policy decides.
///
/// Deadlines, ownership and errors: as `aesc_channel_transfer`; `meta` may be NULL when
/// `meta_len` is 0.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_transfer_with_meta(
    channel: *const aesc_channel,
    from: *const c_char,
    to: *const c_char,
    amount: *const c_char,
    meta: *const *const c_char,
    meta_len: usize,
    round_out: *mut u64,
) -> aesc_result {
    with_channel(channel, |ch| {
        let out = Out::new(round_out, "round_out")?;
        // SAFETY: the caller passes NUL-terminated strings, `from` possibly NULL, and `meta_len`
        // of them in `meta` (contract above).
        let (from, to, value, meta) = unsafe {
            (
                opt_str_in(from, "from")?,
                str_in(to, "to")?,
                str_in(amount, "amount")?,
                str_array_in(meta, meta_len, "meta")?,
            )
        };
        let from = match from {
            Some(f) => parsed::<AccountId>(f, "from")?,
            None => ch.config().account(),
        };
        let to: AccountId = parsed(to, "to")?;
        let value = self::amount(value, "amount")?;
        let meta: Vec<String> = meta.into_iter().map(str::to_owned).collect();
        let round = ch.transfer_with_meta(&from, &to, value, &meta)?;
        give_round(out, round);
        Ok(())
    })
}

/// Sends the message `info` (UTF-8 text, at most 65000 bytes) to `to` (`ak_…`, the other
/// party); it arrives there as a `"message"` event.
///
/// Deadline: `connection_ms.call`.
///
/// Ownership: the strings are borrowed for the call.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT`, `AESC_RESULT_NODE_ERROR`, `AESC_RESULT_TIMEOUT`,
/// `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_send_message(
    channel: *const aesc_channel,
    to: *const c_char,
    info: *const c_char,
) -> aesc_result {
    with_channel(channel, |ch| {
        // SAFETY: the caller passes NUL-terminated strings (contract above).
        let (to, info) = unsafe { (str_in(to, "to")?, str_in(info, "info")?) };
        ch.send_message(&parsed(to, "to")?, info).map_err(Failure::from)
    })
}

/// Asks the node for the off-chain balances of the `accounts_len` accounts `accounts` (`ak_…`,
/// participants or contracts) and writes them as a JSON object to `*balances_out`:
/// `{"ak_…": "1000", …}` (decimal strings, in the node's order).
///
/// Deadline: `connection_ms.call`.
///
/// Ownership: the strings and the array are borrowed for the call. On success
/// `*balances_out` receives a new string owned by the caller, to free with
/// `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT`, `AESC_RESULT_NODE_ERROR`, `AESC_RESULT_TIMEOUT`,
/// `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_balances(
    channel: *const aesc_channel,
    accounts: *const *const c_char,
    accounts_len: usize,
    balances_out: *mut *mut c_char,
) -> aesc_result {
    with_channel(channel, |ch| {
        let out: OutStr = Out::new(balances_out, "balances_out")?;
        // SAFETY: `accounts` holds `accounts_len` NUL-terminated strings (contract above).
        let texts = unsafe { str_array_in(accounts, accounts_len, "accounts") }?;
        let accounts = texts
            .iter()
            .enumerate()
            .map(|(i, t)| parsed::<AccountId>(t, &format!("accounts[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let balances = ch.balances(&accounts)?;
        let map: Map<String, Value> =
            balances.iter().map(|b| (b.account.to_string(), json::amount(&b.balance))).collect();
        // SAFETY: `balances_out` is a writable `char **` (contract above).
        unsafe { out.give(json::text(&Value::Object(map))?) }
    })
}

/// Asks the node for the off-chain state and writes it as JSON to `*state_out`:
/// `{"trees": "ss_…", "calls": "cs_…", "signed_tx": "tx_…" | null, "half_signed_tx": "tx_…" |
/// null}` (decode the parts with `aesc_decode`).
///
/// Deadline: `connection_ms.call`.
///
/// Ownership: on success `*state_out` receives a new string owned by the caller, to free with
/// `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_NODE_ERROR`, `AESC_RESULT_TIMEOUT`,
/// `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_offchain_state(
    channel: *const aesc_channel,
    state_out: *mut *mut c_char,
) -> aesc_result {
    with_channel(channel, |ch| {
        let out: OutStr = Out::new(state_out, "state_out")?;
        let state = ch.offchain_state()?;
        let text = serde_json::to_string(&state)
            .map_err(|e| Failure::new(aesc_result::Other, e.to_string()))?;
        // SAFETY: `state_out` is a writable `char **` (contract above).
        unsafe { out.give(text) }
    })
}

/// `channels.system ping`: checks that the node's FSM answers.
///
/// Deadline: `connection_ms.call`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_TIMEOUT`, `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_ping(channel: *const aesc_channel) -> aesc_result {
    with_channel(channel, |ch| ch.ping().map_err(Failure::from))
}

/// `channels.system stop`: stops the FSM at the node (the channel can be reestablished).
///
/// Deadline: `connection_ms.call`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_TIMEOUT`, `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_stop(channel: *const aesc_channel) -> aesc_result {
    with_channel(channel, |ch| ch.stop().map_err(Failure::from))
}

/// Reads the optional on-chain options (`{"fee": "…", "gas_price": "…", "nonce": 7}`).
///
/// # Safety
/// `options` satisfies `opt_str_in`.
unsafe fn tx_options(options: *const c_char) -> Result<TxOptions, Failure> {
    // SAFETY: this function's contract.
    let Some(text) = (unsafe { opt_str_in(options, "options") })? else {
        return Ok(TxOptions::default());
    };
    let v: Value = serde_json::from_str(text).map_err(|e| Failure::invalid("options", e))?;
    let obj = v.as_object().ok_or_else(|| Failure::invalid("options", "not an object"))?;
    let mut o = TxOptions::default();
    for (k, v) in obj {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(Failure::invalid(&format!("options.{k}"), "expected a number")),
        };
        let name = format!("options.{k}");
        match k.as_str() {
            "fee" => o.fee = Some(amount(&text, &name)?),
            "gas_price" => o.gas_price = Some(amount(&text, &name)?),
            "nonce" => o.nonce = Some(text.parse().map_err(|e| Failure::invalid(&name, e))?),
            _ => return Err(Failure::invalid("options", format!("unknown option {k:?}"))),
        }
    }
    Ok(o)
}

/// Deposits (or withdraws) `amount`.
fn amount_op(
    channel: *const aesc_channel,
    value: *const c_char,
    options: *const c_char,
    round_out: *mut u64,
    op: fn(&Channel, aesc_codec::Uint, TxOptions) -> Result<u64, Error>,
) -> aesc_result {
    with_channel(channel, |ch| {
        let out = Out::new(round_out, "round_out")?;
        // SAFETY: the caller passes NUL-terminated strings, `options` possibly NULL
        // (contract of each function).
        let (value, options) = unsafe { (str_in(value, "amount")?, tx_options(options)?) };
        let round = op(ch, amount(value, "amount")?, options)?;
        give_round(out, round);
        Ok(())
    })
}

/// Deposits `amount` (a decimal string) from this party's account into the channel and writes
/// the new round to `*round_out` once the deposit is confirmed on chain. `options` is NULL or
/// a JSON object `{"fee": "…", "gas_price": "…", "nonce": 7}` (each optional; the node picks
/// what is left out, under the fee cap).
///
/// Deadlines: `deadlines_ms.sign_request`, then `deadlines_ms.on_chain`.
///
/// Ownership: the strings are borrowed for the call; `round_out` belongs to the caller.
///
/// Errors: as `aesc_channel_transfer`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_deposit(
    channel: *const aesc_channel,
    amount: *const c_char,
    options: *const c_char,
    round_out: *mut u64,
) -> aesc_result {
    amount_op(channel, amount, options, round_out, |ch, a, o| ch.deposit(a, o))
}

/// Withdraws `amount` (a decimal string) from the channel to this party's account and writes
/// the new round to `*round_out` once the withdrawal is confirmed on chain. `options` as for
/// `aesc_channel_deposit`.
///
/// Deadlines, ownership and errors: as `aesc_channel_deposit`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_withdraw(
    channel: *const aesc_channel,
    amount: *const c_char,
    options: *const c_char,
    round_out: *mut u64,
) -> aesc_result {
    amount_op(channel, amount, options, round_out, |ch, a, o| ch.withdraw(a, o))
}

/// Runs an operation that ends with an on-chain transaction, and hands it out.
fn tx_op(
    channel: *const aesc_channel,
    options: *const c_char,
    tx_out: *mut *mut c_char,
    op: fn(&Channel, TxOptions) -> Result<SignedTx, Error>,
) -> aesc_result {
    with_channel(channel, |ch| {
        let out: OutStr = Out::new(tx_out, "tx_out")?;
        // SAFETY: `options` is NULL or a NUL-terminated string (contract of each function).
        let options = unsafe { tx_options(options) }?;
        let tx = op(ch, options)?;
        // SAFETY: `tx_out` is a writable `char **` (contract of each function).
        unsafe { out.give(tx.to_api_string()) }
    })
}

/// Closes the channel together with the other party and writes the close transaction
/// (`tx_…`) to `*tx_out` once the channel is closed on chain. `options` as for
/// `aesc_channel_deposit`.
///
/// Deadlines: `deadlines_ms.sign_request`, then `deadlines_ms.on_chain`.
///
/// Ownership: `options` is borrowed for the call. On success `*tx_out` receives a new string
/// owned by the caller, to free with `aesc_string_free`.
///
/// Errors: as `aesc_channel_transfer`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_shutdown(
    channel: *const aesc_channel,
    options: *const c_char,
    tx_out: *mut *mut c_char,
) -> aesc_result {
    tx_op(channel, options, tx_out, |ch, o| ch.shutdown(o))
}

/// Starts a solo close with the latest co-signed state and writes the posted transaction
/// (`tx_…`) to `*tx_out`. Settle after the lock period with `aesc_channel_settle`.
///
/// Deadlines, ownership and errors: as `aesc_channel_shutdown`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_close_solo(
    channel: *const aesc_channel,
    options: *const c_char,
    tx_out: *mut *mut c_char,
) -> aesc_result {
    tx_op(channel, options, tx_out, |ch, o| ch.close_solo(o))
}

/// Settles a solo-closed channel after its lock period and writes the settle transaction
/// (`tx_…`) to `*tx_out` once the channel is closed.
///
/// Deadlines, ownership and errors: as `aesc_channel_shutdown`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_settle(
    channel: *const aesc_channel,
    options: *const c_char,
    tx_out: *mut *mut c_char,
) -> aesc_result {
    tx_op(channel, options, tx_out, |ch, o| ch.settle(o))
}

/// Slashes an outdated solo close with the latest co-signed state and writes the slash
/// transaction (`tx_…`) to `*tx_out`.
///
/// Deadlines, ownership and errors: as `aesc_channel_shutdown`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_slash(
    channel: *const aesc_channel,
    options: *const c_char,
    tx_out: *mut *mut c_char,
) -> aesc_result {
    tx_op(channel, options, tx_out, |ch, o| ch.slash(o))
}

/// Posts the latest co-signed state on chain (a solo snapshot) and writes the transaction
/// (`tx_…`) to `*tx_out`.
///
/// Deadlines, ownership and errors: as `aesc_channel_shutdown`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_snapshot(
    channel: *const aesc_channel,
    options: *const c_char,
    tx_out: *mut *mut c_char,
) -> aesc_result {
    tx_op(channel, options, tx_out, |ch, o| ch.snapshot_solo(o))
}

/// Leaves the channel: the node's FSM stops and the channel can be reestablished later
/// (`aesc_channel_reconnect`, `aesc_channel_reestablish`, `aesc_channel_resume`). Writes the
/// last co-signed state (`tx_…`) to `*state_out`; it is also kept in the handle's view and the
/// state store.
///
/// Deadlines: `deadlines_ms.sign_request`, then `deadlines_ms.leave`.
///
/// Ownership: on success `*state_out` receives a new string owned by the caller, to free with
/// `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_NODE_ERROR`, `AESC_RESULT_BUSY`,
/// `AESC_RESULT_TIMEOUT`, `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_leave(
    channel: *const aesc_channel,
    state_out: *mut *mut c_char,
) -> aesc_result {
    with_channel(channel, |ch| {
        let out: OutStr = Out::new(state_out, "state_out")?;
        let state = ch.leave()?;
        // SAFETY: `state_out` is a writable `char **` (contract above).
        unsafe { out.give(state.to_api_string()) }
    })
}
