//! The signing policy from C: a function pointer and a user-data pointer that decide, for each
//! proposal of the other party, whether this client co-signs it.

use std::ffi::{c_char, c_void, CString};
use std::fmt;

use aesc_client::policy::{Change, Decision, PolicyReason, PolicyRefusal, Proposal, SigningPolicy};
use serde_json::{json, Value};

use crate::json;

/// Decides whether to co-sign one proposal of the other party.
///
/// `proposal_json` is a JSON object, valid only during the call (copy what you keep):
///
/// ```text
/// {"tag": "update_ack" | "deposit_ack" | "withdraw_ack" | "shutdown_sign_ack" | "responder_sign" | …,
///  "change": {"type": "open", "initiator_amount", "responder_amount", "channel_reserve", "lock_period"}
///          | {"type": "updates", "updates": [{"op": "OffChainTransfer", "from", "to", "amount"}, …]}
///          | {"type": "deposit", "from", "amount"} | {"type": "withdraw", "to", "amount"}
///          | {"type": "close_mutual", "initiator_final", "responder_final", "fee"},
///  "round": 3 | null, "me": "ak_…", "own_before": "…", "own_after": "…" | null,
///  "may_reduce_own": true | false, "own_fee": "…"}
/// ```
///
/// Amounts are decimal strings. The proposal has already passed every check of the client
/// (right channel, next round, state hash recomputed, fee under the cap); the callback only
/// decides whether the user wants it.
///
/// Return 0 to co-sign, or an abort code from 1 to 65535 to refuse (4 is the node's "abort";
/// 128 and above are free for applications): the node is answered with that code, nothing is
/// signed, the other party's operation fails with a conflict carrying the code, and this
/// client reports a `"refused"` event (or, when the proposal is the opening of the channel,
/// its open fails with `AESC_RESULT_REFUSED`).
///
/// The callback runs on the channel's I/O thread, not the thread that made the channel: it
/// must be quick (the connection waits for it), must not block on the channel, and must not
/// call any function on the same channel handle (that would deadlock or fail). `userdata` is
/// passed as given to `aesc_config_new`; whatever it points to must stay valid, and be safe to
/// use from the I/O thread, for as long as any channel made from that configuration lives.
pub type aesc_policy_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, proposal_json: *const c_char) -> u16>;

/// A [`SigningPolicy`] that asks a C callback.
pub(crate) struct CallbackPolicy {
    callback: unsafe extern "C" fn(*mut c_void, *const c_char) -> u16,
    userdata: *mut c_void,
}

// SAFETY: the policy is called from the I/O thread of each channel made from the configuration;
// the C contract of `aesc_policy_callback` (and of `aesc_config_new`) makes the callback and its
// user data usable from any thread. The struct holds nothing else.
unsafe impl Send for CallbackPolicy {}
// SAFETY: as for `Send`: the callback may be called from several channels' I/O threads at
// once, which the same contract allows; the struct itself is never mutated.
unsafe impl Sync for CallbackPolicy {}

impl CallbackPolicy {
    /// A policy asking `callback` with `userdata`.
    pub(crate) fn new(
        callback: unsafe extern "C" fn(*mut c_void, *const c_char) -> u16,
        userdata: *mut c_void,
    ) -> Self {
        CallbackPolicy { callback, userdata }
    }
}

impl fmt::Debug for CallbackPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackPolicy").field("userdata", &self.userdata).finish_non_exhaustive()
    }
}

impl SigningPolicy for CallbackPolicy {
    fn review(&self, proposal: &Proposal) -> Decision {
        let refuse = |code: u16, why: &str| {
            Decision::Refuse(PolicyRefusal { code, reason: PolicyReason::User(why.to_owned()) })
        };
        let Ok(text) = CString::new(proposal_json(proposal).to_string()) else {
            return refuse(aesc_client::policy::ABORT_POLICY, "the proposal has a NUL byte");
        };
        // SAFETY: the callback and its user data are valid per the C contract (see
        // `aesc_policy_callback`); `text` is a NUL-terminated string that outlives the call.
        let code = unsafe { (self.callback)(self.userdata, text.as_ptr()) };
        match code {
            0 => Decision::Accept,
            code => refuse(code, &format!("refused by the policy callback with code {code}")),
        }
    }
}

/// The JSON a callback receives for `p`.
pub(crate) fn proposal_json(p: &Proposal) -> Value {
    json!({
        "tag": p.tag.as_str(),
        "change": change_json(&p.change),
        "round": p.round,
        "me": p.me.to_string(),
        "own_before": json::amount(&p.own_before),
        "own_after": p.own_after.as_ref().map(json::amount),
        "may_reduce_own": p.may_reduce_own,
        "own_fee": json::amount(&p.own_fee),
    })
}

fn change_json(c: &Change) -> Value {
    match c {
        Change::Open { initiator_amount, responder_amount, channel_reserve, lock_period } => {
            json!({
                "type": "open",
                "initiator_amount": json::amount(initiator_amount),
                "responder_amount": json::amount(responder_amount),
                "channel_reserve": json::amount(channel_reserve),
                "lock_period": lock_period,
            })
        }
        Change::Updates(updates) => json!({
            "type": "updates",
            "updates": updates.iter().map(json::update).collect::<Vec<_>>(),
        }),
        Change::Deposit { from, amount } => {
            json!({"type": "deposit", "from": from.to_string(), "amount": json::amount(amount)})
        }
        Change::Withdraw { to, amount } => {
            json!({"type": "withdraw", "to": to.to_string(), "amount": json::amount(amount)})
        }
        Change::CloseMutual { initiator_final, responder_final, fee } => json!({
            "type": "close_mutual",
            "initiator_final": json::amount(initiator_final),
            "responder_final": json::amount(responder_final),
            "fee": json::amount(fee),
        }),
        other => json!({"type": "other", "debug": format!("{other:?}")}),
    }
}
