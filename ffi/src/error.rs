//! The last failure of the calling thread: its message and, for errors of the node, its codes.

use std::cell::RefCell;
use std::ffi::c_char;

use aesc_client::Error;

use crate::result::aesc_result;

/// A failure on its way to the caller: the code returned and the detail kept for
/// [`aesc_last_error_message`].
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The code returned.
    pub(crate) result: aesc_result,
    /// What went wrong, in words.
    pub(crate) message: String,
    /// The node's error code and first data code, for errors of the node.
    pub(crate) node: Option<(i64, Option<i64>)>,
}

impl Failure {
    /// A failure with `result` and `message`.
    pub(crate) fn new(result: aesc_result, message: impl Into<String>) -> Self {
        Failure { result, message: message.into(), node: None }
    }

    /// An invalid argument, naming the parameter.
    pub(crate) fn invalid(param: &str, why: impl std::fmt::Display) -> Self {
        Failure::new(aesc_result::InvalidArgument, format!("{param}: {why}"))
    }

    /// A failure of the channel client.
    pub(crate) fn client(e: &Error) -> Self {
        let node = e.rpc().map(|rpc| (rpc.code.code(), rpc.data.first().map(|d| d.code.code())));
        Failure { result: aesc_result::of_client(e), message: e.to_string(), node }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::client(&e)
    }
}

thread_local! {
    static LAST: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

/// Keeps `failure` as the calling thread's last failure.
pub(crate) fn record(failure: Failure) {
    // `try_with`: during thread teardown there is nowhere to keep it, and nobody to read it.
    let _ = LAST.try_with(|last| *last.borrow_mut() = Some(failure));
}

/// The calling thread's last failure, if any.
fn last() -> Option<Failure> {
    LAST.try_with(|last| last.borrow().clone()).ok().flatten()
}

/// Copies the message of the last failure on the calling thread into `buf`, NUL-terminated,
/// and writes its length (without the NUL) to `*len_out`.
///
/// The message describes the most recent call on this thread that returned something other
/// than `AESC_RESULT_OK`; a successful call does not clear it. It is empty when no call on this
/// thread has failed yet. This function never changes the last failure itself.
///
/// Ownership: `buf` (`buf_len` bytes) and `len_out` belong to the caller; nothing is kept.
///
/// Returns `AESC_RESULT_NULL_PARAMETER` when `buf` or `len_out` is NULL, and
/// `AESC_RESULT_BUFFER_TOO_SMALL` when the message and its NUL do not fit in `buf_len` bytes:
/// then as much as fits is copied (still NUL-terminated when `buf_len > 0`) and `*len_out` holds
/// the full length, so a buffer of `*len_out + 1` bytes is enough.
///
/// Thread safety: may be called from any thread; each thread has its own last failure.
#[no_mangle]
pub extern "C" fn aesc_last_error_message(
    buf: *mut c_char,
    buf_len: usize,
    len_out: *mut usize,
) -> aesc_result {
    // Not `guard::run`: a failure here must not replace the failure being read.
    crate::guard::run_or(aesc_result::Panic, || copy_message(buf, buf_len, len_out))
}

fn copy_message(buf: *mut c_char, buf_len: usize, len_out: *mut usize) -> aesc_result {
    if buf.is_null() || len_out.is_null() {
        return aesc_result::NullParameter;
    }
    let message = last().map(|f| f.message).unwrap_or_default();
    let bytes = message.as_bytes();
    // SAFETY: `len_out` is not NULL and, per the contract above, points to a writable size_t.
    unsafe { len_out.write(bytes.len()) };
    if buf_len == 0 {
        return aesc_result::BufferTooSmall;
    }
    let n = bytes.len().min(buf_len - 1);
    // SAFETY: `buf` is not NULL and points to `buf_len` writable bytes; `n < buf_len` bytes are
    // copied from `bytes` (which has at least `n`), and the two cannot overlap because `bytes`
    // is owned by this function.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n) };
    // SAFETY: `n < buf_len`, so the terminating NUL is inside the caller's buffer.
    unsafe { buf.add(n).write(0) };
    if n < bytes.len() {
        aesc_result::BufferTooSmall
    } else {
        aesc_result::Ok
    }
}

/// The result code of the last failure on the calling thread, or `AESC_RESULT_OK` when no call
/// on this thread has failed yet.
///
/// Thread safety: may be called from any thread; each thread has its own last failure.
#[no_mangle]
pub extern "C" fn aesc_last_error_result() -> aesc_result {
    crate::guard::run_or(aesc_result::Panic, || last().map_or(aesc_result::Ok, |f| f.result))
}

/// Whether the last failure on the calling thread was an error object of the node (result
/// `AESC_RESULT_NODE_ERROR`, or a disconnection caused by one). If so, writes the JSON-RPC
/// error code (e.g. 3 for "Rejected", -32602 for invalid params) to `*code_out` and the first
/// data code (e.g. 1016 for a wrong FSM id, 1001 for insufficient balance; 0 when the error has
/// none) to `*data_code_out`; otherwise writes nothing.
///
/// Ownership: both pointers belong to the caller; either may be NULL when that code is not
/// wanted.
///
/// Thread safety: may be called from any thread; each thread has its own last failure.
#[no_mangle]
pub extern "C" fn aesc_last_error_node_code(code_out: *mut i64, data_code_out: *mut i64) -> bool {
    crate::guard::run_or(false, || write_node_code(code_out, data_code_out))
}

fn write_node_code(code_out: *mut i64, data_code_out: *mut i64) -> bool {
    let Some((code, data)) = last().and_then(|f| f.node) else {
        return false;
    };
    if !code_out.is_null() {
        // SAFETY: not NULL and, per the contract above, a writable int64_t.
        unsafe { code_out.write(code) };
    }
    if !data_code_out.is_null() {
        // SAFETY: not NULL and, per the contract above, a writable int64_t.
        unsafe { data_code_out.write(data.unwrap_or(0)) };
    }
    true
}
