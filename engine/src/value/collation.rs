//! Collations: how strings compare, and sort keys whose byte order equals that comparison.
//!
//! Each collation maps characters to weights and is either PAD SPACE (trailing spaces
//! ignored, as if the shorter string were padded with spaces) or NO PAD.
//! [`Collation::sort_key`] turns a string into bytes such that
//! `sort_key(a).cmp(&sort_key(b)) == compare(a, b)`; `compare` is defined through it, so the
//! two can never disagree. Sort keys are stored in index keys (`keycode` escapes and
//! terminates them), so changing a collation's weights misorders existing indexes on it.
//!
//! PAD SPACE in a byte-comparable key, for the table-driven collations (fixed-width
//! weights): a run of `k` spaces followed by a character `c` is emitted as
//! `SPACE-weight, marker, count`, with marker `0x01` (and `k` ascending) when `c` weighs less
//! than a space, `0x03` (and `k` descending) when it weighs more, and the end of the string
//! as `SPACE-weight, 0x02`. End-of-string therefore behaves as an infinite run of spaces:
//! `'a' = 'a  '`, `'a\t' < 'a'`, `'a' < 'a b'`. The UCA collations do the same over
//! variable-length ICU4X keys (see the `uca` module).
//!
//! Weights:
//! - `utf8mb4_general_ci`, `utf8mb3_general_ci`: MySQL's general_ci: BMP characters weigh as
//!   their simple uppercase with Latin-1 and Latin Extended-A accents stripped (`á`, `Ä` ->
//!   `A`; `ß` -> `S`; `Æ`, `Ð`, `Ø`, `Þ`, `Đ`, `Ł`, `Œ` keep their own letter), beyond U+017F
//!   simple uppercase only (MySQL also strips accents of a few more blocks such as Latin
//!   Extended Additional and Greek tonos; those compare accent-sensitively here).
//!   Supplementary characters weigh 0xFFFD (all equal, as in MySQL).
//! - `utf8mb4_0900_ai_ci`: the Unicode Collation Algorithm at primary strength (accent- and
//!   case-insensitive; `ß` = `ss`, `æ` = `ae`; spaces and punctuation weigh, controls do
//!   not), NO PAD, with the root collation of ICU4X's `icu_collator` (pinned in
//!   `engine/Cargo.toml`). MySQL uses the DUCET of UCA 9.0.0; ICU4X uses the CLDR root
//!   collation of a later Unicode version, which is that DUCET's order except that CLDR
//!   gives U+FFFD, U+FFFE and U+FFFF special weights and regroups a few currency and number
//!   signs, and that characters added after Unicode 9.0 (newer emoji, scripts, CJK
//!   extensions) have real weights here but implicit ones (after all others, by code point)
//!   in MySQL.
//! - `utf8mb4_unicode_ci`, `utf8mb3_unicode_ci`: the same ICU4X weights, PAD SPACE as in
//!   MySQL (the shorter string's missing weights compare as a space's), and every
//!   supplementary character weighs as U+FFFD: all equal, after every BMP character, as in
//!   MySQL's UCA 4.0.0 tables. MySQL's UCA 4.0.0 weights differ from the current DUCET for
//!   some punctuation and symbols, some letters, and characters added since Unicode 4.0;
//!   the letters of common alphabets order the same.
//! - `*_bin` (utf8): code point, PAD SPACE. `utf8mb4_0900_bin`: bytes, NO PAD.
//! - `latin1_swedish_ci`: MySQL's 256-entry latin1 sort order. `latin1_bin`: byte value.
//! - `binary`: bytes, NO PAD.
//!
//! Invalid UTF-8 bytes weigh 0xFFFD; the SQL layer rejects them on insert (1366).

use std::cmp::Ordering;

mod uca;

/// A MySQL collation. The default is `utf8mb4_general_ci`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Collation {
    /// utf8mb4_general_ci (id 45), the Borealis default.
    #[default]
    Utf8mb4GeneralCi,
    /// utf8mb4_bin (46).
    Utf8mb4Bin,
    /// utf8mb4_unicode_ci (224).
    Utf8mb4UnicodeCi,
    /// utf8mb4_0900_ai_ci (255), MySQL 8's default.
    Utf8mb4_0900AiCi,
    /// utf8mb4_0900_bin (309).
    Utf8mb4_0900Bin,
    /// utf8mb3_general_ci alias utf8_general_ci (33).
    Utf8mb3GeneralCi,
    /// utf8mb3_bin alias utf8_bin (83).
    Utf8mb3Bin,
    /// utf8mb3_unicode_ci alias utf8_unicode_ci (192).
    Utf8mb3UnicodeCi,
    /// latin1_swedish_ci (8).
    Latin1SwedishCi,
    /// latin1_bin (47).
    Latin1Bin,
    /// binary (63): byte strings.
    Binary,
}

const ALL: [Collation; 11] = [
    Collation::Utf8mb4GeneralCi,
    Collation::Utf8mb4Bin,
    Collation::Utf8mb4UnicodeCi,
    Collation::Utf8mb4_0900AiCi,
    Collation::Utf8mb4_0900Bin,
    Collation::Utf8mb3GeneralCi,
    Collation::Utf8mb3Bin,
    Collation::Utf8mb3UnicodeCi,
    Collation::Latin1SwedishCi,
    Collation::Latin1Bin,
    Collation::Binary,
];

/// How a collation weighs characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Weights {
    /// general_ci table, 2-byte weights.
    GeneralCi,
    /// UCA primary weights from ICU4X, NO PAD (`uca::no_pad_key`).
    UcaNoPad,
    /// UCA primary weights from ICU4X, PAD SPACE (`uca::pad_space_key`).
    UcaPadSpace,
    /// Unicode code point, 3-byte weights.
    CodePoint,
    /// latin1 swedish sort order, 1 byte.
    Latin1Swedish,
    /// Raw bytes (weight = byte), 1 byte.
    Bytes,
}

impl Collation {
    /// Every supported collation.
    pub fn all() -> &'static [Collation] {
        &ALL
    }

    /// MySQL's numeric collation id (as sent in the handshake and column definitions).
    pub fn id(self) -> u16 {
        match self {
            Collation::Utf8mb4GeneralCi => 45,
            Collation::Utf8mb4Bin => 46,
            Collation::Utf8mb4UnicodeCi => 224,
            Collation::Utf8mb4_0900AiCi => 255,
            Collation::Utf8mb4_0900Bin => 309,
            Collation::Utf8mb3GeneralCi => 33,
            Collation::Utf8mb3Bin => 83,
            Collation::Utf8mb3UnicodeCi => 192,
            Collation::Latin1SwedishCi => 8,
            Collation::Latin1Bin => 47,
            Collation::Binary => 63,
        }
    }

    /// The collation with MySQL id `id`.
    pub fn from_id(id: u16) -> Option<Collation> {
        ALL.iter().copied().find(|c| c.id() == id)
    }

    /// Canonical name as MySQL 8.0.30+ and MariaDB 10.11 print it (`utf8mb3_general_ci`).
    pub fn name(self) -> &'static str {
        match self {
            Collation::Utf8mb4GeneralCi => "utf8mb4_general_ci",
            Collation::Utf8mb4Bin => "utf8mb4_bin",
            Collation::Utf8mb4UnicodeCi => "utf8mb4_unicode_ci",
            Collation::Utf8mb4_0900AiCi => "utf8mb4_0900_ai_ci",
            Collation::Utf8mb4_0900Bin => "utf8mb4_0900_bin",
            Collation::Utf8mb3GeneralCi => "utf8mb3_general_ci",
            Collation::Utf8mb3Bin => "utf8mb3_bin",
            Collation::Utf8mb3UnicodeCi => "utf8mb3_unicode_ci",
            Collation::Latin1SwedishCi => "latin1_swedish_ci",
            Collation::Latin1Bin => "latin1_bin",
            Collation::Binary => "binary",
        }
    }

    /// Case-insensitive lookup; `utf8_*` is accepted for `utf8mb3_*`.
    pub fn from_name(name: &str) -> Option<Collation> {
        let lower = name.trim().to_ascii_lowercase();
        let canon = match lower.strip_prefix("utf8_") {
            Some(rest) => format!("utf8mb3_{rest}"),
            None => lower,
        };
        ALL.iter().copied().find(|c| c.name() == canon)
    }

    /// Character set name: `utf8mb4`, `utf8mb3`, `latin1` or `binary`.
    pub fn charset(self) -> &'static str {
        match self {
            Collation::Utf8mb4GeneralCi
            | Collation::Utf8mb4Bin
            | Collation::Utf8mb4UnicodeCi
            | Collation::Utf8mb4_0900AiCi
            | Collation::Utf8mb4_0900Bin => "utf8mb4",
            Collation::Utf8mb3GeneralCi | Collation::Utf8mb3Bin | Collation::Utf8mb3UnicodeCi => {
                "utf8mb3"
            }
            Collation::Latin1SwedishCi | Collation::Latin1Bin => "latin1",
            Collation::Binary => "binary",
        }
    }

    /// Default collation of a character set (case-insensitive; `utf8` = `utf8mb3`). For
    /// utf8mb4 this is Borealis' default `utf8mb4_general_ci`, not MySQL 8's 0900_ai_ci.
    pub fn default_for_charset(charset: &str) -> Option<Collation> {
        match charset.trim().to_ascii_lowercase().as_str() {
            "utf8mb4" => Some(Collation::Utf8mb4GeneralCi),
            "utf8mb3" | "utf8" => Some(Collation::Utf8mb3GeneralCi),
            "latin1" => Some(Collation::Latin1SwedishCi),
            "binary" => Some(Collation::Binary),
            _ => None,
        }
    }

    /// Whether `self` belongs to character set `charset` (`utf8` = `utf8mb3`).
    pub fn belongs_to(self, charset: &str) -> bool {
        Collation::default_for_charset(charset).is_some_and(|d| d.charset() == self.charset())
    }

    /// Maximum bytes per character (MySQL `maxlen`).
    pub fn max_bytes_per_char(self) -> u32 {
        match self.charset() {
            "utf8mb4" => 4,
            "utf8mb3" => 3,
            _ => 1,
        }
    }

    /// True for multi-byte UTF-8 character sets (lengths count characters).
    pub fn is_utf8(self) -> bool {
        self.max_bytes_per_char() > 1
    }

    /// True for the `binary` pseudo-collation.
    pub fn is_binary(self) -> bool {
        self == Collation::Binary
    }

    /// True when trailing spaces are ignored in comparisons (MySQL `PAD_ATTRIBUTE`).
    pub fn pad_space(self) -> bool {
        !matches!(
            self,
            Collation::Binary | Collation::Utf8mb4_0900AiCi | Collation::Utf8mb4_0900Bin
        )
    }

    /// True for case-insensitive collations.
    pub fn is_ci(self) -> bool {
        matches!(
            self.weights(),
            Weights::GeneralCi | Weights::UcaNoPad | Weights::UcaPadSpace | Weights::Latin1Swedish
        )
    }

    fn weights(self) -> Weights {
        match self {
            Collation::Utf8mb4GeneralCi | Collation::Utf8mb3GeneralCi => Weights::GeneralCi,
            Collation::Utf8mb4UnicodeCi | Collation::Utf8mb3UnicodeCi => Weights::UcaPadSpace,
            Collation::Utf8mb4_0900AiCi => Weights::UcaNoPad,
            Collation::Utf8mb4Bin | Collation::Utf8mb3Bin => Weights::CodePoint,
            Collation::Latin1SwedishCi => Weights::Latin1Swedish,
            Collation::Latin1Bin | Collation::Utf8mb4_0900Bin | Collation::Binary => Weights::Bytes,
        }
    }

    /// Length in characters (bytes for single-byte charsets). Invalid UTF-8 bytes count as
    /// one character each.
    pub fn char_len(self, s: &[u8]) -> usize {
        if !self.is_utf8() {
            return s.len();
        }
        s.utf8_chunks()
            .map(|c| c.valid().chars().count() + c.invalid().len())
            .sum()
    }

    /// Byte length of the first `n` characters of `s` (all of `s` if shorter).
    pub fn char_prefix_len(self, s: &[u8], n: usize) -> usize {
        if !self.is_utf8() {
            return s.len().min(n);
        }
        let mut bytes = 0;
        let mut left = n;
        for chunk in s.utf8_chunks() {
            for (i, _) in chunk.valid().char_indices() {
                if left == 0 {
                    return bytes + i;
                }
                left -= 1;
            }
            bytes += chunk.valid().len();
            for _ in chunk.invalid() {
                if left == 0 {
                    return bytes;
                }
                left -= 1;
                bytes += 1;
            }
        }
        bytes
    }

    /// Compares two strings under this collation.
    pub fn compare(self, a: &[u8], b: &[u8]) -> Ordering {
        let pad = self.pad_space();
        match self.weights() {
            Weights::Bytes if !pad => a.cmp(b),
            Weights::Bytes => compare_by_byte(a, b, pad, |c| c),
            // ASCII: one byte per character, weight = the byte (upper-cased for general_ci);
            // no sort keys to build.
            Weights::GeneralCi if a.is_ascii() && b.is_ascii() => {
                compare_by_byte(a, b, pad, |c| c.to_ascii_uppercase())
            }
            Weights::CodePoint if a.is_ascii() && b.is_ascii() => compare_by_byte(a, b, pad, |c| c),
            _ => self.sort_key(a).cmp(&self.sort_key(b)),
        }
    }

    /// True when `a` and `b` compare equal.
    pub fn equals(self, a: &[u8], b: &[u8]) -> bool {
        self.compare(a, b) == Ordering::Equal
    }

    /// A key whose byte order equals [`Collation::compare`]. Not reversible for `_ci`
    /// collations. Not self-delimiting for NO PAD collations: escape it when concatenating.
    pub fn sort_key(self, s: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.sort_key_into(s, &mut out);
        out
    }

    /// [`Collation::sort_key`] appended to `out` (many keys in one buffer).
    pub fn sort_key_into(self, s: &[u8], out: &mut Vec<u8>) {
        let w = self.weights();
        let width = match w {
            Weights::Bytes if !self.pad_space() => return out.extend_from_slice(s),
            Weights::UcaNoPad => return out.extend_from_slice(&uca::no_pad_key(s)),
            Weights::UcaPadSpace => return out.extend_from_slice(&uca::pad_space_key(s)),
            Weights::GeneralCi => 2,
            Weights::CodePoint => 3,
            Weights::Latin1Swedish | Weights::Bytes => 1,
        };
        out.reserve(s.len() * width + 4);
        let mut kb = KeyBuilder {
            out: std::mem::take(out),
            width,
            pad: self.pad_space(),
            spaces: 0,
        };
        match w {
            Weights::Latin1Swedish => s.iter().for_each(|&b| kb.push(latin1_swedish_weight(b))),
            Weights::Bytes => s.iter().for_each(|&b| kb.push(b as u32)),
            // ASCII is one char per byte and its weights are its upper case: no UTF-8
            // decoding (the common case for keys and sorted columns).
            // ...and without spaces (no PAD SPACE runs to encode), each key unit is
            // simply [0, upper-cased byte].
            Weights::GeneralCi if s.is_ascii() && !s.contains(&b' ') => {
                let start = kb.out.len();
                kb.out.resize(start + 2 * s.len(), 0);
                for (unit, &b) in kb.out[start..].chunks_exact_mut(2).zip(s) {
                    unit[1] = b.to_ascii_uppercase();
                }
            }
            Weights::GeneralCi if s.is_ascii() => s
                .iter()
                .for_each(|&b| kb.push(u32::from(b.to_ascii_uppercase()))),
            Weights::CodePoint if s.is_ascii() => s.iter().for_each(|&b| kb.push(u32::from(b))),
            _ => {
                for chunk in s.utf8_chunks() {
                    for c in chunk.valid().chars() {
                        let cp = c as u32;
                        kb.push(match w {
                            Weights::GeneralCi if cp > 0xFFFF => 0xFFFD,
                            Weights::GeneralCi => general_ci_weight(c),
                            _ => cp,
                        });
                    }
                    for _ in chunk.invalid() {
                        kb.push(0xFFFD);
                    }
                }
            }
        }
        *out = kb.finish();
    }
}

/// Compares two strings of one-byte characters whose weights `weight` gives; with `pad`,
/// the shorter is compared as if padded with spaces (PAD SPACE).
fn compare_by_byte(a: &[u8], b: &[u8], pad: bool, weight: impl Fn(u8) -> u8) -> Ordering {
    let n = a.len().min(b.len());
    for (&x, &y) in a[..n].iter().zip(&b[..n]) {
        let o = weight(x).cmp(&weight(y));
        if o != Ordering::Equal {
            return o;
        }
    }
    if !pad {
        return a.len().cmp(&b.len());
    }
    // The longer string's tail against the shorter's padding.
    let (tail, longer_is_a) = if a.len() > n {
        (&a[n..], true)
    } else {
        (&b[n..], false)
    };
    let space = SPACE as u8;
    match tail
        .iter()
        .map(|&c| weight(c).cmp(&space))
        .find(|o| o.is_ne())
    {
        Some(o) if longer_is_a => o,
        Some(o) => o.reverse(),
        None => Ordering::Equal,
    }
}

struct KeyBuilder {
    out: Vec<u8>,
    width: usize,
    pad: bool,
    /// Pending run of spaces (PAD SPACE only).
    spaces: u32,
}

const SPACE: u32 = 0x20;

impl KeyBuilder {
    #[inline]
    fn put(&mut self, w: u32) {
        let bytes = w.to_be_bytes();
        match self.width {
            1 => self.out.push(bytes[3]),
            2 => self.out.extend_from_slice(&[bytes[2], bytes[3]]),
            _ => self.out.extend_from_slice(&bytes[4 - self.width..]),
        }
    }

    #[inline]
    fn push(&mut self, w: u32) {
        if self.pad && w == SPACE {
            self.spaces = self.spaces.saturating_add(1);
            return;
        }
        if self.spaces > 0 {
            self.put(SPACE);
            if w < SPACE {
                self.out.push(0x01);
                self.out.extend_from_slice(&self.spaces.to_be_bytes());
            } else {
                self.out.push(0x03);
                self.out.extend_from_slice(&(!self.spaces).to_be_bytes());
            }
            self.spaces = 0;
        }
        self.put(w);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.pad {
            self.put(SPACE);
            self.out.push(0x02);
        }
        self.out
    }
}

/// Base letters of U+0100..=U+017F under general_ci ('*' = keep the simple uppercase).
const LATIN_EXT_A: &[u8; 128] = b"AAAAAACCCCCCCCDD**EEEEEEEEEEGGGGGGGGHH**IIIIIIIIII**JJKK*LLLLLL****NNNNNN***OOOOOO**RRRRRRSSSSSSSSTTTT**UUUUUUUUUUUUWWYYYZZZZZZS";

/// Base letters of U+00C0..=U+00DF ('*' = keep).
const LATIN1_UPPER: &[u8; 32] = b"AAAAAA*CEEEEIIII*NOOOOO**UUUUY*S";

/// general_ci weight of a BMP character.
fn general_ci_weight(c: char) -> u32 {
    let cp = c as u32;
    if cp < 0x80 {
        return (c.to_ascii_uppercase()) as u32;
    }
    if cp < 0x100 {
        return match cp {
            0xB5 => 0x39C,
            0xF7 => 0xF7,
            0xFF => 'Y' as u32,
            0xE0..=0xFE => latin1_upper_base(cp - 0x20),
            0xC0..=0xDF => latin1_upper_base(cp),
            _ => cp,
        };
    }
    if (0x100..0x180).contains(&cp) {
        let b = LATIN_EXT_A[(cp - 0x100) as usize];
        if b != b'*' {
            return b as u32;
        }
    }
    simple_upper(c)
}

fn latin1_upper_base(cp: u32) -> u32 {
    match LATIN1_UPPER[(cp - 0xC0) as usize] {
        b'*' => cp,
        b => b as u32,
    }
}

/// Unicode simple uppercase when it is a single BMP character, else the character itself.
fn simple_upper(c: char) -> u32 {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if (u as u32) <= 0xFFFF => u as u32,
        _ => c as u32,
    }
}

/// latin1_swedish_ci sort weight: ASCII letters fold to uppercase, accented letters to their
/// base, with the Swedish letters after Z: `Å` = 0x5B, `Ä`/`Æ` = 0x5C, `Ö` = 0x5D, `Ü` = `Y`.
fn latin1_swedish_weight(b: u8) -> u32 {
    /// Weights of 0xC0..=0xDF; 0xE0..=0xFF repeat them except 0xF7 and 0xFF.
    const HIGH: [u8; 32] = [
        b'A', b'A', b'A', b'A', 0x5C, 0x5B, 0x5C, b'C', b'E', b'E', b'E', b'E', b'I', b'I', b'I',
        b'I', b'D', b'N', b'O', b'O', b'O', b'O', 0x5D, 0xD7, 0xD8, b'U', b'U', b'U', b'Y', b'Y',
        0xDE, 0xDF,
    ];
    (match b {
        b'a'..=b'z' => b - 32,
        0xF7 | 0xFF => b,
        0xC0..=0xDF => HIGH[(b - 0xC0) as usize],
        0xE0..=0xFE => HIGH[(b - 0xE0) as usize],
        _ => b,
    }) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    const GCI: Collation = Collation::Utf8mb4GeneralCi;

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn ids_and_names() {
        assert_eq!(Collation::default(), GCI);
        assert_eq!(GCI.id(), 45);
        assert_eq!(Collation::Utf8mb4Bin.id(), 46);
        assert_eq!(Collation::Utf8mb4_0900AiCi.id(), 255);
        assert_eq!(Collation::Utf8mb3GeneralCi.id(), 33);
        assert_eq!(Collation::Latin1SwedishCi.id(), 8);
        assert_eq!(Collation::Latin1Bin.id(), 47);
        assert_eq!(Collation::Binary.id(), 63);
        assert_eq!(
            Collation::from_name("UTF8_General_CI"),
            Some(Collation::Utf8mb3GeneralCi)
        );
        assert_eq!(
            Collation::from_name("utf8mb4_0900_ai_ci").unwrap().id(),
            255
        );
        assert_eq!(Collation::from_name("nope"), None);
        for &c in Collation::all() {
            assert_eq!(Collation::from_id(c.id()), Some(c));
            assert_eq!(Collation::from_name(c.name()), Some(c));
            assert!(c.belongs_to(c.charset()));
        }
        assert!(Collation::Utf8mb3Bin.belongs_to("utf8"));
        assert_eq!(
            Collation::default_for_charset("UTF8"),
            Some(Collation::Utf8mb3GeneralCi)
        );
    }

    #[test]
    fn general_ci() {
        let eq = |a: &str, b: &str| GCI.compare(a.as_bytes(), b.as_bytes());
        for s in ["A", "á", "Á", "ä", "à", "Å", "ā"] {
            assert_eq!(eq("a", s), Equal, "{s}");
        }
        assert_eq!(eq("ß", "s"), Equal);
        assert_eq!(eq("a", "B"), Less);
        assert_eq!(eq("abc ", "abc"), Equal);
        assert_eq!(eq("abc", "ABC   "), Equal);
        assert_eq!(eq("abc", "abd"), Less);
        assert_eq!(eq("Ø", "O"), Greater);
        assert_eq!(eq("😀", "😁"), Equal);
        assert_eq!(eq("µ", "Μ"), Equal);
        assert_eq!(eq("straße", "STRASE"), Equal);
        assert_eq!(eq("a\t", "a"), Less);
        assert_eq!(eq("a", "a b"), Less);
        assert_eq!(eq("", " "), Equal);
        assert_eq!(eq("résumé", "RESUME"), Equal);
        let bin = Collation::Utf8mb4Bin;
        assert_eq!(bin.compare(b"a", b"A"), Greater);
        assert_eq!(bin.compare(b"a ", b"a"), Equal);
        assert_eq!(Collation::Binary.compare(b"a ", b"a"), Greater);
    }

    /// Sorts `items` under `c` and groups equal neighbours (each group in byte order).
    fn sorted_groups<'a>(c: Collation, items: &[&'a str]) -> Vec<Vec<&'a str>> {
        let mut v = items.to_vec();
        v.sort_by(|a, b| c.compare(a.as_bytes(), b.as_bytes()).then(a.cmp(b)));
        let mut groups: Vec<Vec<&str>> = Vec::new();
        for s in v {
            match groups.last_mut() {
                Some(g) if c.equals(g[0].as_bytes(), s.as_bytes()) => g.push(s),
                _ => groups.push(vec![s]),
            }
        }
        groups
    }

    #[test]
    fn utf8mb4_0900_ai_ci() {
        let ai = Collation::Utf8mb4_0900AiCi;
        let cmp = |a: &str, b: &str| ai.compare(a.as_bytes(), b.as_bytes());
        for s in ["A", "á", "Å", "ä", "À", "a\u{301}"] {
            assert_eq!(cmp("a", s), Equal, "{s}");
        }
        assert_eq!(cmp("ß", "ss"), Equal);
        assert_eq!(cmp("straße", "STRASSE"), Equal);
        assert_eq!(cmp("æ", "AE"), Equal);
        assert_eq!(cmp("a", "a "), Less); // NO PAD
        assert_eq!(cmp("a ", "a  "), Less);
        assert_eq!(cmp("a b", "ab"), Less); // a space weighs less than a letter
        assert_eq!(cmp("😀", "😁"), Less);
        assert_eq!(cmp("😀", "\u{FFFD}"), Less);
        assert_eq!(cmp("a\u{1}", "a"), Equal); // controls weigh nothing
        assert_eq!(ai.compare(b"a\xff", "a\u{FFFD}".as_bytes()), Equal);
        assert!(!ai.pad_space() && ai.is_ci());

        // The expected order follows from UCA facts (UTS #10 and the DUCET, which MySQL 8's
        // 0900 collations use as is, UCA 9.0.0): common characters come before letters and
        // in groups, whitespace < punctuation < general symbols (emoji are symbols) < currency
        // signs < digits; letters are grouped by script, Latin < Greek < Cyrillic, and Han
        // ideographs, which get implicit weights, come after every script. Primary strength
        // drops accents and case; 'æ' expands to 'ae' and 'ß' to 'ss'. Strings compare weight
        // by weight, so a prefix sorts first ('1' < '10' < '2').
        let items = [
            "b", "A", "ä", "a", "ab", "Ab", "æ", "ae", "af", "ad", "z", "Z", "1", "10", "2", "-",
            " ", "_", "é", "e", "😁", "😀", "ß", "ss", "st", "sr", "$", "Ω", "я", "中",
        ];
        let want: Vec<Vec<&str>> = [
            &[" "][..],
            &["_"],
            &["-"],
            &["😀"],
            &["😁"],
            &["$"],
            &["1"],
            &["10"],
            &["2"],
            &["A", "a", "ä"],
            &["Ab", "ab"],
            &["ad"],
            &["ae", "æ"],
            &["af"],
            &["b"],
            &["e", "é"],
            &["sr"],
            &["ss", "ß"],
            &["st"],
            &["Z", "z"],
            &["Ω"],
            &["я"],
            &["中"],
        ]
        .iter()
        .map(|g| g.to_vec())
        .collect();
        assert_eq!(sorted_groups(ai, &items), want);
    }

    #[test]
    fn utf8mb4_unicode_ci() {
        for uc in [Collation::Utf8mb4UnicodeCi, Collation::Utf8mb3UnicodeCi] {
            let cmp = |a: &str, b: &str| uc.compare(a.as_bytes(), b.as_bytes());
            // MySQL's manual: 'ß' = 's' in general_ci, 'ß' = 'ss' in unicode_ci.
            assert_eq!(cmp("ß", "ss"), Equal);
            assert_eq!(cmp("Straße", "strasse"), Equal);
            assert_eq!(cmp("æ", "ae"), Equal);
            assert_eq!(cmp("Ä", "a"), Equal);
            // PAD SPACE as MySQL's strnncollsp: the shorter string is padded with spaces.
            assert_eq!(cmp("a", "a   "), Equal);
            assert_eq!(cmp("a", "a\u{A0}"), Equal); // NBSP weighs as a space
            assert_eq!(cmp("a\t", "a"), Less); // TAB weighs less than a space
            assert_eq!(cmp("a", "a b"), Less);
            assert_eq!(cmp("a b", "ab"), Less);
            assert_eq!(cmp("", "  "), Equal);
            // UCA 4.0.0 weighs every supplementary character 0xFFFD, after all BMP ones.
            assert_eq!(cmp("😀", "😁"), Equal);
            assert_eq!(cmp("中", "😀"), Less);
            assert!(uc.pad_space() && uc.is_ci());
        }
    }

    #[test]
    fn latin1() {
        let sw = Collation::Latin1SwedishCi;
        assert_eq!(sw.compare(b"a", b"A"), Equal);
        assert_eq!(sw.compare(&[0xE9], b"e"), Equal); // é
        assert_eq!(sw.compare(&[0xC5], b"Z"), Greater); // Å after Z
        assert_eq!(sw.compare(&[0xC4], &[0xE6]), Equal); // Ä = æ
        assert_eq!(sw.compare(&[0xDC], b"Y"), Equal); // Ü = Y
        assert_eq!(sw.compare(b"ab  ", b"AB"), Equal);
        assert_eq!(Collation::Latin1Bin.compare(b"a", b"A"), Greater);
    }

    #[test]
    fn lengths() {
        let s = "héllo😀".as_bytes();
        assert_eq!(GCI.char_len(s), 6);
        assert_eq!(GCI.char_prefix_len(s, 2), 3);
        assert_eq!(GCI.char_prefix_len(s, 10), s.len());
        assert_eq!(Collation::Latin1Bin.char_len(s), s.len());
    }

    /// `compare` and sort keys must both order exactly like a direct (PAD SPACE)
    /// comparison of weights, ASCII fast paths included.
    #[test]
    fn sort_key_matches_reference_compare() {
        fn reference(c: Collation, a: &[u8], b: &[u8]) -> Ordering {
            let w = |s: &[u8]| -> Vec<u32> {
                match c {
                    Collation::Latin1Bin => return s.iter().map(|&b| u32::from(b)).collect(),
                    Collation::Latin1SwedishCi => {
                        return s.iter().map(|&b| latin1_swedish_weight(b)).collect()
                    }
                    _ => {}
                }
                std::str::from_utf8(s)
                    .unwrap()
                    .chars()
                    .map(|ch| match c {
                        Collation::Utf8mb4Bin => ch as u32,
                        _ if (ch as u32) > 0xFFFF => 0xFFFD,
                        _ => general_ci_weight(ch),
                    })
                    .collect()
            };
            let (mut wa, mut wb) = (w(a), w(b));
            if c.pad_space() {
                let n = wa.len().max(wb.len());
                wa.resize(n, SPACE);
                wb.resize(n, SPACE);
            }
            wa.cmp(&wb)
        }
        let alphabet = ["a", "A", "b", " ", "\t", "\u{1}", "é", "z", "😀", "ß", "~"];
        let mut r = XorShift(99);
        for c in [
            GCI,
            Collation::Utf8mb4Bin,
            Collation::Latin1Bin,
            Collation::Latin1SwedishCi,
        ] {
            for _ in 0..20000 {
                let mut gen = || -> String {
                    (0..r.next() % 6)
                        .map(|_| alphabet[(r.next() % alphabet.len() as u64) as usize])
                        .collect()
                };
                let (a, b) = (gen(), gen());
                assert_eq!(
                    c.compare(a.as_bytes(), b.as_bytes()),
                    reference(c, a.as_bytes(), b.as_bytes()),
                    "{c:?} {a:?} {b:?}"
                );
                assert_eq!(
                    c.sort_key(a.as_bytes()).cmp(&c.sort_key(b.as_bytes())),
                    reference(c, a.as_bytes(), b.as_bytes()),
                    "sort keys: {c:?} {a:?} {b:?}"
                );
            }
        }
    }
}
