//! The boundary: every entry point runs its body here, so that no panic unwinds into C and every
//! failure is recorded for `aesc_last_error_message`.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{record, Failure};
use crate::result::aesc_result;

/// Runs the body of a fallible entry point: its failure is recorded and its code returned; a
/// panic becomes [`aesc_result::Panic`].
pub(crate) fn run(body: impl FnOnce() -> Result<(), Failure>) -> aesc_result {
    // AssertUnwindSafe: after a panic nothing the body touched is used again by this call, and
    // the shared state it may reach (a channel's view) is behind locks that recover from
    // poisoning.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => aesc_result::Ok,
        Ok(Err(failure)) => {
            let result = failure.result;
            record(failure);
            result
        }
        Err(payload) => {
            record(Failure::new(aesc_result::Panic, panic_message(payload.as_ref())));
            aesc_result::Panic
        }
    }
}

/// Runs an entry point that returns a plain value (a free function, a getter): a panic is
/// recorded and `fallback` returned instead.
pub(crate) fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            record(Failure::new(aesc_result::Panic, panic_message(payload.as_ref())));
            fallback
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("internal error (panic): {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_panic_code_with_its_message() {
        let r = run(|| panic!("boom"));
        assert_eq!(r, aesc_result::Panic);
        assert_eq!(crate::error::aesc_last_error_result(), aesc_result::Panic);
        assert_eq!(run_or(7, || panic!("again")), 7);
        assert_eq!(run(|| Ok(())), aesc_result::Ok);
    }
}
