//! Packet framing: 3-byte length + 1-byte sequence id, payloads of 2^24-1 bytes or more split
//! into several packets (a payload that is an exact multiple of 2^24-1 ends with an empty one),
//! plus the length-encoded integers and strings used inside payloads.

use std::io;

use std::io::Read;

/// Largest payload of one physical packet.
pub const MAX_PAYLOAD: usize = 0xff_ffff;

/// Appends `payload` to `out` as one logical packet starting at `*seq`, advancing `*seq`.
pub fn frame(payload: &[u8], seq: &mut u8, out: &mut Vec<u8>) {
    let mut rest = payload;
    loop {
        let n = rest.len().min(MAX_PAYLOAD);
        let len = (n as u32).to_le_bytes();
        out.extend_from_slice(&[len[0], len[1], len[2], *seq]);
        out.extend_from_slice(&rest[..n]);
        *seq = seq.wrapping_add(1);
        rest = &rest[n..];
        if n < MAX_PAYLOAD {
            break;
        }
    }
}

/// Why a client packet could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Socket error or EOF in the middle of a packet.
    Io(io::Error),
    /// The logical packet exceeds max_allowed_packet; `next_seq` is the seq id for the ERR.
    TooLarge {
        /// Sequence id for the reply.
        next_seq: u8,
    },
    /// A continuation packet carried the wrong sequence id.
    OutOfOrder {
        /// Sequence id for the reply.
        next_seq: u8,
    },
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// One logical client packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Sequence id of the first physical packet.
    pub first_seq: u8,
    /// Sequence id to use for the reply.
    pub next_seq: u8,
    /// Joined payload.
    pub payload: Vec<u8>,
}

/// Reads one logical packet (joining 16 MiB continuations); `Ok(None)` on clean EOF.
pub fn read_packet<R: Read>(r: &mut R, max_len: usize) -> Result<Option<Packet>, ReadError> {
    let mut header = [0u8; 4];
    // Clean EOF only before the first byte of a packet.
    let n = loop {
        match r.read(&mut header[..1]) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            n => break n?,
        }
    };
    if n == 0 {
        return Ok(None);
    }
    r.read_exact(&mut header[1..])?;
    let first_seq = header[3];
    let mut seq = first_seq;
    let mut payload = Vec::new();
    loop {
        let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
        if payload.len() + len > max_len {
            return Err(ReadError::TooLarge {
                next_seq: seq.wrapping_add(1),
            });
        }
        let start = payload.len();
        payload.resize(start + len, 0);
        r.read_exact(&mut payload[start..])?;
        if len < MAX_PAYLOAD {
            break;
        }
        r.read_exact(&mut header)?;
        if header[3] != seq.wrapping_add(1) {
            return Err(ReadError::OutOfOrder {
                next_seq: header[3].wrapping_add(1),
            });
        }
        seq = header[3];
    }
    Ok(Some(Packet {
        first_seq,
        next_seq: seq.wrapping_add(1),
        payload,
    }))
}

/// Appends a length-encoded integer.
pub fn put_lenenc_int(out: &mut Vec<u8>, v: u64) {
    if v < 251 {
        out.push(v as u8);
    } else if v < 1 << 16 {
        out.push(0xfc);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if v < 1 << 24 {
        out.push(0xfd);
        out.extend_from_slice(&(v as u32).to_le_bytes()[..3]);
    } else {
        out.push(0xfe);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Appends a length-encoded string.
pub fn put_lenenc_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_lenenc_int(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A bounds-checked cursor over a client payload; every read fails cleanly on short input.
#[derive(Debug, Clone, Copy)]
pub struct Cursor<'a> {
    buf: &'a [u8],
}

fn short() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "malformed packet")
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf }
    }

    /// Bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }

    /// True when everything was read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Next `n` bytes.
    pub fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(short());
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }

    /// One byte.
    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// Little-endian u16.
    pub fn u16(&mut self) -> io::Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Little-endian u32.
    pub fn u32(&mut self) -> io::Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Little-endian u64.
    pub fn u64(&mut self) -> io::Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Length-encoded integer (0xfb, NULL, is rejected).
    pub fn lenenc_int(&mut self) -> io::Result<u64> {
        match self.u8()? {
            v @ 0..=250 => Ok(u64::from(v)),
            0xfc => Ok(u64::from(self.u16()?)),
            0xfd => {
                let b = self.take(3)?;
                Ok(u64::from(u32::from_le_bytes([b[0], b[1], b[2], 0])))
            }
            0xfe => self.u64(),
            _ => Err(short()),
        }
    }

    /// Length-encoded string.
    pub fn lenenc_bytes(&mut self) -> io::Result<&'a [u8]> {
        let n = self.lenenc_int()?;
        let n = usize::try_from(n).map_err(|_| short())?;
        self.take(n)
    }

    /// NUL-terminated string; without a NUL, the rest of the packet.
    pub fn cstr(&mut self) -> &'a [u8] {
        match self.buf.iter().position(|&b| b == 0) {
            Some(i) => {
                let s = &self.buf[..i];
                self.buf = &self.buf[i + 1..];
                s
            }
            None => std::mem::take(&mut self.buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_small_and_empty() {
        let mut out = Vec::new();
        let mut seq = 3;
        frame(b"abc", &mut seq, &mut out);
        assert_eq!(out, [3, 0, 0, 3, b'a', b'b', b'c']);
        assert_eq!(seq, 4);
        out.clear();
        frame(b"", &mut seq, &mut out);
        assert_eq!(out, [0, 0, 0, 4]);
    }

    #[test]
    fn frame_exact_multiple_gets_empty_trailer() {
        let payload = vec![7u8; MAX_PAYLOAD];
        let mut out = Vec::new();
        let mut seq = 0;
        frame(&payload, &mut seq, &mut out);
        assert_eq!(seq, 2);
        assert_eq!(out.len(), 4 + MAX_PAYLOAD + 4);
        assert_eq!(&out[..4], &[0xff, 0xff, 0xff, 0]);
        assert_eq!(&out[4 + MAX_PAYLOAD..], &[0, 0, 0, 1]);
    }

    #[test]
    fn read_joins_continuations() {
        let payload: Vec<u8> = (0..(2 * MAX_PAYLOAD + 10)).map(|i| i as u8).collect();
        let mut wire = Vec::new();
        let mut seq = 0;
        frame(&payload, &mut seq, &mut wire);
        frame(b"\x0e", &mut seq, &mut wire);
        let mut r = &wire[..];
        let p = read_packet(&mut r, 64 << 20).ok().flatten();
        let p = p.unwrap_or_else(|| panic!("no packet"));
        assert_eq!(p.first_seq, 0);
        assert_eq!(p.next_seq, 3);
        assert!(p.payload == payload);
        let p2 = read_packet(&mut r, 64 << 20).ok().flatten();
        assert_eq!(p2.map(|p| p.payload), Some(vec![0x0e]));
        assert!(matches!(read_packet(&mut r, 100), Ok(None)));
    }

    #[test]
    fn read_rejects_oversize_and_truncation() {
        let mut wire = Vec::new();
        let mut seq = 0;
        frame(&[1u8; 200], &mut seq, &mut wire);
        let mut r = &wire[..];
        assert!(matches!(
            read_packet(&mut r, 100),
            Err(ReadError::TooLarge { next_seq: 1 })
        ));
        let mut r = &wire[..50];
        assert!(matches!(read_packet(&mut r, 1000), Err(ReadError::Io(_))));
    }

    #[test]
    fn lenenc_roundtrip() {
        for v in [
            0u64,
            250,
            251,
            65535,
            65536,
            (1 << 24) - 1,
            1 << 24,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_lenenc_int(&mut out, v);
            let mut c = Cursor::new(&out);
            assert_eq!(c.lenenc_int().ok(), Some(v));
            assert!(c.is_empty());
        }
        let mut c = Cursor::new(&[0xfc, 1]);
        assert!(c.lenenc_int().is_err());
        let mut c = Cursor::new(&[5, b'a']);
        assert!(c.lenenc_bytes().is_err());
    }
}
