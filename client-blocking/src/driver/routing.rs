//! Routing what the node sent: responses to their callers or to the handler, notifications
//! to the handler.

use aesc_codec::jsonrpc::{self, Id, Incoming, Response, ResponsePayload};
use serde_json::Value;

use super::{Handler, Io};
use crate::error::{Error, RpcError};
use crate::events::Event;
use crate::pending::Waiter;

pub(super) fn route<H: Handler>(text: &str, handler: &mut H, io: &mut Io<'_>) {
    match jsonrpc::decode_incoming(text) {
        Ok(Incoming::Response(r)) => route_response(r, handler, io),
        Ok(Incoming::Batch(rs)) => {
            for r in rs {
                route_response(r, handler, io);
            }
        }
        Ok(Incoming::Notification(n)) => handler.on_notification(n, io),
        Err(error) => {
            // A malformed answer still fails the call it answers, instead of leaving it to
            // its deadline.
            let id = serde_json::from_str::<Value>(text).ok().and_then(|v| v.get("id")?.as_u64());
            match id.and_then(|id| io.pending.complete(id)) {
                Some(Waiter::Caller(reply)) => {
                    let _ = reply.try_send(Err(Error::BadFrame(error)));
                }
                Some(Waiter::Session(tag)) => {
                    io.emit(Event::Malformed { error });
                    let e = RpcError::new(jsonrpc::ErrorCode::InternalError);
                    handler.on_response(tag, Err(e), io);
                }
                None => io.emit(Event::Malformed { error }),
            }
        }
    }
}

fn route_response<H: Handler>(r: Response, handler: &mut H, io: &mut Io<'_>) {
    let payload = match r.payload {
        ResponsePayload::Success(v) => Ok(v),
        ResponsePayload::Error(e) => Err(e),
    };
    match (r.id.as_u64(), payload) {
        (Some(id), payload) => match io.pending.complete(id) {
            Some(Waiter::Caller(reply)) => {
                let _ = reply.try_send(payload.map_err(Error::from));
            }
            Some(Waiter::Session(tag)) => handler.on_response(tag, payload, io),
            // A response to a call whose caller gave up.
            None => {}
        },
        (None, Err(e)) if r.id == Id::Null => handler.on_unmatched_error(e, io),
        // Ids this client never sends.
        (None, _) => {}
    }
}
