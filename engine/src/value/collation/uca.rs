//! UCA weights from ICU4X for `utf8mb4_0900_ai_ci` (NO PAD).
//!
//! ICU4X's root collator (the CLDR root collation: the DUCET with a handful of CLDR changes,
//! see the parent module) at primary strength, a constant over ICU4X's compiled data.
//! Primary strength ignores accents and case but keeps the UCA's expansions (`ß` = `ss`,
//! `æ` = `ae`); spaces and punctuation keep their weights (non-ignorable), and control
//! characters weigh nothing.
//!
//! ICU4X's primary sort key is a byte string whose order is the collator's order. All its
//! bytes are `>= 0x02` (`0x01` is ICU's level separator, unused at primary strength), and the
//! key of a string is a prefix of the key of any extension of it, as long as no contraction
//! spans the join. For NO PAD the ICU key is the sort key.

use icu_collator::options::{CollatorOptions, Strength};
use icu_collator::CollatorBorrowed;

/// The root collator at primary strength. `new_root` (an `unstable` ICU4X API) links only the
/// root data; `Collator::try_new` would link every locale's tailorings (about 1 MB more).
static COLLATOR: CollatorBorrowed<'static> = CollatorBorrowed::new_root({
    let mut options = CollatorOptions::default();
    options.strength = Some(Strength::Primary);
    options
});

/// `utf8mb4_0900_ai_ci`: the ICU4X key (invalid UTF-8 weighs as U+FFFD).
pub(super) fn no_pad_key(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2);
    let Ok(()) = COLLATOR.write_sort_key_utf8_to(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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

    /// Keys are stored in indexes: an ICU4X update that changes them (new Unicode or CLDR
    /// data, a different key encoding) misorders existing 0900_ai_ci indexes. If this fails
    /// after an upgrade, such indexes must be rebuilt.
    #[test]
    fn keys_are_stable() {
        assert_eq!(no_pad_key(b"a"), [0x2B]);
        assert_eq!(no_pad_key(b"a b"), [0x2B, 0x04, 0x2D]);
        assert_eq!(no_pad_key("Straße".as_bytes()), no_pad_key(b"strasse"));
        assert_eq!(no_pad_key("ß".as_bytes()), [0x4F, 0x4F]);
        assert_eq!(no_pad_key("😀".as_bytes()), [0x0D, 0x4C, 0x5C]);
        assert_eq!(no_pad_key("中".as_bytes()), [0xFA, 0x02, 0x5C]);
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
        let colls = [Collation::Utf8mb4GeneralCi, Collation::Utf8mb4_0900AiCi];
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
}
