//! Canonical RLP encoding.

/// Writes canonical RLP into a growing buffer.
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Encoder { out: Vec::new() }
    }

    /// The bytes written so far.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// Writes a byte string.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        match b {
            [single] if *single < 0x80 => self.out.push(*single),
            _ => {
                write_header(&mut self.out, 0x80, b.len());
                self.out.extend_from_slice(b);
            }
        }
        self
    }

    /// Writes an integer given as minimal big-endian bytes (`[0]` or empty for zero).
    pub fn uint_bytes(&mut self, be: &[u8]) -> &mut Self {
        let trimmed = trim_leading_zeros(be);
        if trimmed.is_empty() {
            self.out.push(0);
            self
        } else {
            self.bytes(trimmed)
        }
    }

    /// Writes an integer; zero is the single byte `0x00`, as the node writes it.
    pub fn uint_u64(&mut self, v: u64) -> &mut Self {
        self.uint_bytes(&v.to_be_bytes())
    }

    /// Writes a boolean as `<<1>>` / `<<0>>`.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.out.push(u8::from(v));
        self
    }

    /// Writes already-encoded RLP verbatim.
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.out.extend_from_slice(encoded);
        self
    }

    /// Writes a list whose items `f` writes.
    pub fn list(&mut self, f: impl FnOnce(&mut Encoder)) -> &mut Self {
        let mut inner = Encoder::new();
        f(&mut inner);
        write_header(&mut self.out, 0xc0, inner.out.len());
        self.out.extend_from_slice(&inner.out);
        self
    }
}

fn trim_leading_zeros(be: &[u8]) -> &[u8] {
    let first = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    be.get(first..).unwrap_or_default()
}

fn write_header(out: &mut Vec<u8>, base: u8, len: usize) {
    if len <= 55 {
        // len ≤ 55 fits in u8.
        out.push(base + len as u8);
    } else {
        let be = len.to_be_bytes();
        let len_bytes = trim_leading_zeros(&be);
        out.push(base + 55 + len_bytes.len() as u8);
        out.extend_from_slice(len_bytes);
    }
}
