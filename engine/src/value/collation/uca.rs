//! UCA weights from ICU4X: `utf8mb4_0900_ai_ci` (NO PAD) and `utf8mb4_unicode_ci` (PAD SPACE).
//!
//! Both use ICU4X's root collator (the CLDR root collation: the DUCET with a handful of CLDR
//! changes, see the parent module) at primary strength, a constant over ICU4X's compiled data. Primary strength ignores
//! accents and case but keeps the UCA's expansions (`ß` = `ss`, `æ` = `ae`); spaces and
//! punctuation keep their weights (non-ignorable), and control characters weigh nothing.
//!
//! ICU4X's primary sort key is a byte string whose order is the collator's order. All its
//! bytes are `>= 0x02` (`0x01` is ICU's level separator, unused at primary strength), and the
//! key of a string is a prefix of the key of any extension of it, as long as no contraction
//! spans the join.
//!
//! NO PAD (0900_ai_ci): the ICU key is the sort key.
//!
//! PAD SPACE (unicode_ci) compares as MySQL's `strnncollsp` does: when one string runs out of
//! weights, the rest of the other is compared against the space weight, so trailing
//! characters weighing as a space (U+0020, NBSP, U+3000, ...) are ignored and
//! `'a\t' < 'a'` (TAB weighs less than a space). The key is built from tokens:
//!
//! | token | when | bytes |
//! |---|---|---|
//! | word | maximal run of characters weighing more than a space | ICU key of the run |
//! | low | one character weighing less than a space (TAB, LF, CR, ...) | `01 01`, its ICU key |
//! | spaces, low | `k` space-weight characters, then a low | `01 02 01`, `k` (u32 BE) |
//! | end | end of string, after any spaces | `01 02 02` |
//! | spaces, word | `k` space-weight characters, then a word | `01 02 03`, `!k` (u32 BE) |
//!
//! Where one string's word ends and the other's continues, the first has `01` against an
//! ICU byte `>= 02`: correct, since what follows a word (a low, a space, or the padding)
//! weighs less than any word weight, and a word weight whose bytes are a prefix of another
//! weight's is the smaller. The space markers order like the general_ci ones in the parent
//! module. Characters that weigh nothing are skipped between tokens and kept inside words
//! (they may belong to a contraction).
//!
//! Known edge: U+FDFA and U+FDFB expand to Arabic words with spaces between them; their inner
//! spaces stay inside a word, so they order as if those spaces weighed more than a space.

use std::borrow::Cow;
use std::sync::OnceLock;

use icu_collator::options::{CollatorOptions, Strength};
use icu_collator::CollatorBorrowed;

/// The root collator at primary strength. `new_root` (an `unstable` ICU4X API) links only the
/// root data; `Collator::try_new` would link every locale's tailorings (about 1 MB more).
static COLLATOR: CollatorBorrowed<'static> = CollatorBorrowed::new_root({
    let mut options = CollatorOptions::default();
    options.strength = Some(Strength::Primary);
    options
});

/// Appends the ICU4X primary sort key of `s` to `out`.
fn icu_key(s: &str, out: &mut Vec<u8>) {
    match ascii_keys() {
        Some(t) if s.is_ascii() => t.write(s.as_bytes(), out),
        _ => {
            let Ok(()) = COLLATOR.write_sort_key_to(s, out);
        }
    }
}

/// `utf8mb4_0900_ai_ci`: the ICU4X key (invalid UTF-8 weighs as U+FFFD).
pub(super) fn no_pad_key(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2);
    match ascii_keys() {
        Some(t) if s.is_ascii() => t.write(s, &mut out),
        _ => {
            let Ok(()) = COLLATOR.write_sort_key_utf8_to(s, &mut out);
        }
    }
    out
}

/// The ICU4X keys of the 128 ASCII characters, for a fast path: ICU4X sets up a normalizing
/// iterator per string and costs about 50 ns a character, a table lookup a few.
///
/// The key of an ASCII string is the concatenation of its characters' keys when no ASCII
/// primary weight takes part in ICU's primary compression (whose lead-byte sharing and
/// terminators depend on the neighbour) and no two ASCII characters form a contraction;
/// ASCII is already in normal form. Both would show in some pair of characters, so the
/// table is used only if every pair's ICU4X key equals the two characters' keys joined.
struct AsciiKeys {
    key: [[u8; 4]; 128],
    len: [u8; 128],
}

impl AsciiKeys {
    /// Appends the key of ASCII `s`.
    fn write(&self, s: &[u8], out: &mut Vec<u8>) {
        for &b in s {
            let i = usize::from(b & 0x7F);
            out.extend_from_slice(&self.key[i][..usize::from(self.len[i])]);
        }
    }
}

/// [`AsciiKeys`] built and checked against ICU4X on first use (~16k short keys); `None` if
/// the check fails, and then every key comes from ICU4X.
fn ascii_keys() -> Option<&'static AsciiKeys> {
    static KEYS: OnceLock<Option<AsciiKeys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut t = AsciiKeys {
            key: [[0; 4]; 128],
            len: [0; 128],
        };
        let mut key = Vec::new();
        for b in 0..128u8 {
            key.clear();
            let Ok(()) = COLLATOR.write_sort_key_utf8_to(&[b], &mut key);
            let i = usize::from(b);
            t.key[i].get_mut(..key.len())?.copy_from_slice(&key);
            t.len[i] = key.len() as u8;
        }
        let mut joined = Vec::new();
        for x in 0..128u8 {
            for y in 0..128u8 {
                key.clear();
                let Ok(()) = COLLATOR.write_sort_key_utf8_to(&[x, y], &mut key);
                joined.clear();
                t.write(&[x, y], &mut joined);
                if key != joined {
                    return None;
                }
            }
        }
        Some(t)
    })
    .as_ref()
}

/// How a BMP character weighs against a space at primary strength (first weight).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// No primary weight (controls, combining marks).
    Ignorable,
    /// Weighs less than a space (TAB, LF, VT, FF, CR, U+0085, U+2028, U+2029).
    Low,
    /// Weighs exactly as a space (U+0020, NBSP, U+1680, U+2000..U+200A, U+202F, U+205F,
    /// U+3000).
    Space,
    /// Weighs more than a space.
    Word,
}

/// [`Class`] of every BMP code point, computed from the collator once (~64k short keys).
fn classes() -> &'static [Class] {
    static CLASSES: OnceLock<Vec<Class>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let mut space = Vec::new();
        icu_key(" ", &mut space);
        let mut key = Vec::new();
        (0..=0xFFFFu32)
            .map(|cp| {
                let Some(c) = char::from_u32(cp) else {
                    return Class::Word; // surrogates never occur in a &str
                };
                key.clear();
                icu_key(c.encode_utf8(&mut [0; 4]), &mut key);
                if key.is_empty() {
                    Class::Ignorable
                } else if key == space {
                    Class::Space
                } else if key < space {
                    Class::Low
                } else {
                    Class::Word
                }
            })
            .collect()
    })
}

/// First byte of every token but a word: below any ICU key byte.
const MARK: u8 = 0x01;
const LOW: u8 = 0x01;
const SPACES: u8 = 0x02;
const SPACES_THEN_LOW: u8 = 0x01;
const SPACES_THEN_END: u8 = 0x02;
const SPACES_THEN_WORD: u8 = 0x03;

/// UCA 4.0.0 (MySQL's unicode_ci) has weights for the BMP only: every supplementary
/// character weighs the same, after everything else; U+FFFD, which ICU weighs after every
/// other character but U+FFFF, stands in for them. Invalid UTF-8 becomes U+FFFD too, and so
/// do the noncharacters U+FFFE and U+FFFF, which ICU weighs specially (lowest and highest).
fn bmp_text(s: &[u8]) -> Cow<'_, str> {
    let is_plain = |t: &str| !t.chars().any(|c| c > '\u{FFFD}');
    match std::str::from_utf8(s) {
        Ok(t) if is_plain(t) => Cow::Borrowed(t),
        _ => Cow::Owned(
            String::from_utf8_lossy(s)
                .chars()
                .map(|c| if c > '\u{FFFD}' { '\u{FFFD}' } else { c })
                .collect(),
        ),
    }
}

/// `utf8mb4_unicode_ci`: PAD SPACE key from tokens (see the module docs).
pub(super) fn pad_space_key(s: &[u8]) -> Vec<u8> {
    let text = bmp_text(s);
    let classes = classes();
    let mut out = Vec::with_capacity(text.len() * 2 + 8);
    let mut spaces: u32 = 0;
    let mut word_start: Option<usize> = None;
    // Writes the pending run of spaces, given what follows it.
    let flush = |out: &mut Vec<u8>, spaces: &mut u32, next: u8| {
        if *spaces > 0 {
            out.extend_from_slice(&[MARK, SPACES, next]);
            let k = if next == SPACES_THEN_WORD {
                !*spaces
            } else {
                *spaces
            };
            out.extend_from_slice(&k.to_be_bytes());
            *spaces = 0;
        }
    };
    for (i, c) in text.char_indices() {
        match classes[c as usize] {
            Class::Ignorable => {}
            Class::Word => {
                if word_start.is_none() {
                    flush(&mut out, &mut spaces, SPACES_THEN_WORD);
                    word_start = Some(i);
                }
            }
            class => {
                if let Some(start) = word_start.take() {
                    icu_key(&text[start..i], &mut out);
                }
                if class == Class::Space {
                    spaces = spaces.saturating_add(1);
                } else {
                    flush(&mut out, &mut spaces, SPACES_THEN_LOW);
                    out.extend_from_slice(&[MARK, LOW]);
                    icu_key(c.encode_utf8(&mut [0; 4]), &mut out);
                }
            }
        }
    }
    if let Some(start) = word_start {
        icu_key(&text[start..], &mut out);
    }
    out.extend_from_slice(&[MARK, SPACES, SPACES_THEN_END]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;
    use std::time::Instant;

    struct XorShift(u64);
    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Characters that exercise the weights the keys depend on: letters with accents, case
    /// and expansions, a contraction (и + breve = й), spaces and space-weight characters,
    /// characters weighing less than a space or nothing, punctuation, emoji, Han, U+FFFD.
    const ALPHABET: [&str; 27] = [
        "a", "A", "á", "b", "e", "æ", "s", "S", "ß", "и", "\u{306}", "й", " ", " ", "\u{A0}",
        "\u{3000}", "\t", "\n", "\u{1}", "\u{301}", "-", "~", "1", "😀", "😁", "中", "\u{FFFD}",
    ];

    fn random_string(r: &mut XorShift) -> String {
        let n = r.below(7);
        (0..n).map(|_| ALPHABET[r.below(ALPHABET.len())]).collect()
    }

    /// The ASCII table is in use with this ICU4X version and writes ICU4X's keys.
    #[test]
    fn ascii_fast_path_matches_icu() {
        let t = ascii_keys().expect("ASCII keys concatenate in this ICU4X version");
        let mut r = XorShift(0xA5C1);
        let (mut fast, mut icu) = (Vec::new(), Vec::new());
        for _ in 0..20000 {
            let s: Vec<u8> = (0..r.below(12)).map(|_| r.below(128) as u8).collect();
            fast.clear();
            icu.clear();
            t.write(&s, &mut fast);
            let Ok(()) = COLLATOR.write_sort_key_utf8_to(&s, &mut icu);
            assert_eq!(fast, icu, "{s:?}");
        }
    }

    /// Sort keys order like ICU4X's own comparison (a separate code path in ICU4X).
    #[test]
    fn no_pad_key_order_matches_icu_compare() {
        let mut r = XorShift(0x0900);
        for _ in 0..20000 {
            let (a, b) = (random_string(&mut r), random_string(&mut r));
            let want = COLLATOR.compare(&a, &b);
            let got = no_pad_key(a.as_bytes()).cmp(&no_pad_key(b.as_bytes()));
            assert_eq!(got, want, "{a:?} {b:?}");
        }
    }

    /// PAD SPACE reference from ICU4X's comparison: pad both strings with more spaces than
    /// either has weights; they are equal if some padding of `b` equals `a`'s.
    fn pad_space_reference(a: &str, b: &str) -> Ordering {
        const N: usize = 20;
        let (a, b) = (bmp_text(a.as_bytes()), bmp_text(b.as_bytes()));
        let pad = |s: &str, n: usize| format!("{s}{}", " ".repeat(n));
        let pa = pad(&a, N);
        if (0..=2 * N).any(|j| COLLATOR.compare(&pa, &pad(&b, j)) == Ordering::Equal) {
            return Ordering::Equal;
        }
        COLLATOR.compare(&pa, &pad(&b, N))
    }

    #[test]
    fn pad_space_key_order_matches_reference() {
        let mut r = XorShift(0x4000);
        for _ in 0..20000 {
            let (a, b) = (random_string(&mut r), random_string(&mut r));
            let got = pad_space_key(a.as_bytes()).cmp(&pad_space_key(b.as_bytes()));
            assert_eq!(got, pad_space_reference(&a, &b), "{a:?} {b:?}");
        }
    }

    /// Keys are stored in indexes: an ICU4X update that changes them (new Unicode or CLDR
    /// data, a different key encoding) makes existing 0900_ai_ci and unicode_ci indexes
    /// misordered. If this fails after an upgrade, such indexes must be rebuilt.
    #[test]
    fn keys_are_stable() {
        assert_eq!(no_pad_key(b"a"), [0x2B]);
        assert_eq!(no_pad_key(b"a b"), [0x2B, 0x04, 0x2D]);
        assert_eq!(no_pad_key("Straße".as_bytes()), no_pad_key(b"strasse"));
        assert_eq!(no_pad_key("ß".as_bytes()), [0x4F, 0x4F]);
        assert_eq!(no_pad_key("😀".as_bytes()), [0x0D, 0x4C, 0x5C]);
        assert_eq!(no_pad_key("中".as_bytes()), [0xFA, 0x02, 0x5C]);
        assert_eq!(
            pad_space_key(b"a b\t "),
            [0x2B, 1, 2, 3, 0xFF, 0xFF, 0xFF, 0xFE, 0x2D, 1, 1, 0x03, 0x04, 1, 2, 2]
        );
    }

    /// Cost of one sort key for a 20-character string, per collation. Run with
    /// `cargo test -p borealis-engine --release --lib sort_key_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn sort_key_speed() {
        use super::super::Collation;
        let texts = [
            ("ascii", "Customer 12345 Smith"),
            ("latin", "Zoë Müller, São Café"),
            ("cjk", "東京都千代田区丸の内一丁目九番二号東京駅"),
        ];
        let colls = [
            Collation::Utf8mb4GeneralCi,
            Collation::Utf8mb4_0900AiCi,
            Collation::Utf8mb4UnicodeCi,
        ];
        let t = Instant::now();
        ascii_keys();
        eprintln!("ASCII key table built and checked in {:?}", t.elapsed());
        let t = Instant::now();
        classes();
        eprintln!("unicode_ci class table built in {:?}", t.elapsed());
        for (name, text) in texts {
            assert_eq!(text.chars().count(), 20, "{name}");
            for c in colls {
                let _ = c.sort_key(text.as_bytes()); // build the collator and tables
                let n = 100_000;
                // Best of five rounds: the machine may be busy with other work.
                let ns = (0..5)
                    .map(|_| {
                        let t = Instant::now();
                        for _ in 0..n {
                            let key = c.sort_key(std::hint::black_box(text.as_bytes()));
                            std::hint::black_box(key);
                        }
                        t.elapsed().as_nanos() / n
                    })
                    .min()
                    .unwrap_or_default();
                let len = c.sort_key(text.as_bytes()).len();
                eprintln!("{name:6} {:20} {ns:5} ns/key, {len:3} key bytes", c.name());
            }
        }
    }

    /// The token encoding relies on these properties of the ICU data.
    #[test]
    fn classes_and_key_bytes() {
        let classes = classes();
        let class = |c: char| classes[c as usize];
        assert_eq!(class(' '), Class::Space);
        assert_eq!(class('\u{A0}'), Class::Space);
        assert_eq!(class('\u{3000}'), Class::Space);
        assert_eq!(class('\t'), Class::Low);
        assert_eq!(class('\n'), Class::Low);
        assert_eq!(class('\u{1}'), Class::Ignorable);
        assert_eq!(class('\u{301}'), Class::Ignorable);
        assert_eq!(class('a'), Class::Word);
        assert_eq!(class('_'), Class::Word);
        let mut space = Vec::new();
        icu_key(" ", &mut space);
        let mut low_len = None;
        let mut key = Vec::new();
        for (cp, &cl) in classes.iter().enumerate() {
            // Surrogates never occur; U+FFFE and U+FFFF are mapped to U+FFFD.
            let Some(c) = char::from_u32(cp as u32).filter(|&c| c <= '\u{FFFD}') else {
                continue;
            };
            key.clear();
            icu_key(c.encode_utf8(&mut [0; 4]), &mut key);
            assert!(key.iter().all(|&b| b > MARK), "U+{cp:04X} {key:02X?}");
            match cl {
                // A word character's first weight is above a space's: its key sorts after
                // the space key (the class) without merely extending it.
                Class::Word => assert!(!key.starts_with(&space), "U+{cp:04X} {key:02X?}"),
                // Lows are single weights of one length, so no low key is a prefix of another.
                Class::Low => assert_eq!(*low_len.get_or_insert(key.len()), key.len()),
                _ => {}
            }
        }
    }

    #[test]
    fn pad_space_basics() {
        let k = |s: &str| pad_space_key(s.as_bytes());
        assert_eq!(k("a"), k("a   "));
        assert_eq!(k(""), k(" "));
        assert_eq!(k("a"), k("a\u{A0}"));
        assert_eq!(k("a"), k("A\u{301}"));
        assert!(k("a\t") < k("a"));
        assert!(k("a") < k("a b"));
        assert!(k("a b") < k("ab"));
        assert_eq!(k("straße"), k("STRASSE"));
        assert_eq!(k("😀"), k("😁"));
        assert_eq!(k("😀"), k("\u{FFFD}"));
        assert_eq!(Ordering::Less, k("\u{9FA5}").cmp(&k("😀")));
    }
}
