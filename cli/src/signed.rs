//! The SignedTx envelope (tag 11, version 1): signatures and the inner transaction bytes.

use aesc_codec::id::Signature;
use aesc_codec::object;
use aesc_codec::rlp::{self, DecodeError, DecodeErrorKind};

/// The object tag of a SignedTx.
pub(crate) const SIGNED_TX_TAG: u32 = 11;

/// A SignedTx split into its parts, borrowing the serialized inner transaction.
#[derive(Debug)]
pub(crate) struct SignedParts<'a> {
    /// The signatures, in serialized order.
    pub(crate) signatures: Vec<Signature>,
    /// The serialized inner transaction: the bytes that are signed.
    pub(crate) tx: &'a [u8],
    /// The object tag of the inner transaction.
    pub(crate) tx_tag: u32,
}

/// Splits serialized SignedTx bytes.
///
/// # Errors
/// When the bytes are not a canonical SignedTx envelope with 64-byte signatures and an inner
/// object.
pub(crate) fn split(bytes: &[u8]) -> Result<SignedParts<'_>, DecodeError> {
    let item = rlp::decode_exact(bytes)?;
    let (tag, version, fields) = object::envelope(&item)?;
    if tag != SIGNED_TX_TAG {
        return Err(DecodeError::new(
            item.offset,
            DecodeErrorKind::UnexpectedTag { expected: SIGNED_TX_TAG, found: tag },
        ));
    }
    if version != 1 {
        return Err(object::unsupported(tag, version, item.offset));
    }
    let [sigs, tx] = object::fields::<2>(fields, item.offset)?;
    let signatures = sigs
        .as_list()?
        .iter()
        .map(|s| {
            let b = s.as_bytes()?;
            <[u8; 64]>::try_from(b).map(Signature).map_err(|_| {
                DecodeError::new(s.offset, DecodeErrorKind::BadSignatureLength { found: b.len() })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tx_bytes = tx.as_bytes()?;
    let (tx_tag, _) = object::peek_tag(tx_bytes).map_err(|e| shift(e, tx.raw, tx_bytes, tx))?;
    Ok(SignedParts { signatures, tx: tx_bytes, tx_tag })
}

/// Moves an error position inside the inner bytes to a position in the outer input.
fn shift(e: DecodeError, raw: &[u8], payload: &[u8], item: &rlp::Item<'_>) -> DecodeError {
    let header = raw.len() - payload.len();
    DecodeError::new(item.offset + header + e.position, e.kind)
}
