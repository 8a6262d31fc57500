//! FULLTEXT indexes and `MATCH (cols) AGAINST (text [mode])`, as InnoDB does them.
//!
//! 1. Tokens: InnoDB's default parser. A word is a run of letters, digits and `_`; it is
//!    kept when it has 3 to 84 characters (`innodb_ft_min_token_size`,
//!    `innodb_ft_max_token_size`) and is not in InnoDB's default stopword list
//!    (`information_schema.INNODB_FT_DEFAULT_STOPWORD`). Words are folded to lower case.
//! 2. The index: a FULLTEXT [`IndexDef`] owns a tree of `word 0x00 pk -> count` (a word
//!    never holds 0x00), written with the row in the same transaction (see
//!    [`entries`] and the DML in [`super::dml`]), so a rollback leaves no word and a
//!    clone or backtrack carries the index like any other tree.
//! 3. A query: MATCH is bound once per statement ([`FtQuery`]): the search words, and for
//!    each the number of rows holding it, read from the index tree, with the number of
//!    rows of the table. Each row is then ranked from its own words with InnoDB's
//!    TF-IDF: `rank += freq * idf * idf`, `idf = log10(total_rows / rows_with_word)`
//!    (`log10(1.0001)` when every row has it), summed in single precision as InnoDB's
//!    `fts_rank_t` is. Rows are read by the normal scan: the index gives the statistics,
//!    not yet the candidate rows.
//! 4. Boolean mode: `+` required, `-` excluded, `>`/`<` raise or lower the rank by 1,
//!    `~` lowers it, `( )` groups, `word*` prefix, `"a phrase"`.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use sqlparser::ast;

use super::catalog::{IndexDef, TableDef};
use super::error::{SqlError, SqlResult};
use super::exec::Reader;
use crate::storage::page::Bytes;
use crate::value::Value;

/// InnoDB's `innodb_ft_min_token_size` and `innodb_ft_max_token_size` defaults.
pub const MIN_TOKEN: usize = 3;
pub const MAX_TOKEN: usize = 84;

/// InnoDB's default stopword list (`INNODB_FT_DEFAULT_STOPWORD`).
const STOPWORDS: &[&str] = &[
    "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how",
    "i", "in", "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "was", "what",
    "when", "where", "who", "will", "with", "und", "www",
];

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether InnoDB indexes (and searches for) token `w` (already lower case).
fn indexed(w: &str) -> bool {
    let n = w.chars().count();
    (MIN_TOKEN..=MAX_TOKEN).contains(&n) && !STOPWORDS.contains(&w)
}

/// Every token of `text` in order, lower case, whether indexed or not (phrases match
/// on all of them).
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !word_char(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The text of a column value as the parser sees it.
fn value_text(v: &Value) -> Option<String> {
    if v.is_null() {
        return None;
    }
    let b = v.to_text()?;
    Some(String::from_utf8_lossy(&b).into_owned())
}

/// A row's indexed words and how often each occurs in the index's columns.
fn row_words(ix: &IndexDef, row: &[Value]) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for c in &ix.columns {
        if let Some(t) = row.get(c.column).and_then(value_text) {
            for w in tokens(&t).into_iter().filter(|w| indexed(w)) {
                *out.entry(w).or_insert(0) += 1;
            }
        }
    }
    out
}

/// The index entries of `row` (primary key `pk`): `word 0x00 pk -> count`.
pub fn entries(ix: &IndexDef, row: &[Value], pk: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = row_words(ix, row)
        .into_iter()
        .map(|(w, n)| {
            let mut k = w.into_bytes();
            k.push(0);
            k.extend_from_slice(pk);
            (k, n.to_le_bytes().to_vec())
        })
        .collect();
    out.sort_unstable();
    out
}

/// The column names an index covers, to compare with a MATCH list.
pub fn covers(t: &TableDef, ix: &IndexDef, cols: &[String]) -> bool {
    ix.is_fulltext()
        && ix.columns.len() == cols.len()
        && ix.columns.iter().all(|c| {
            cols.iter()
                .any(|n| n.eq_ignore_ascii_case(&t.columns[c.column].name))
        })
}

/// The search modes of AGAINST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Natural,
    Boolean,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    None,
    Plus,
    Minus,
    Gt,
    Lt,
    Tilde,
}

#[derive(Clone, Debug)]
enum Item {
    /// A word; `true` when it ends in `*` (a prefix).
    Word(String, bool),
    Phrase(Vec<String>),
    Group(Vec<Term>),
}

#[derive(Clone, Debug)]
struct Term {
    op: Op,
    item: Item,
}

/// A bound MATCH: the parsed search and the statistics it ranks with.
#[derive(Debug)]
pub struct FtQuery {
    mode: Mode,
    terms: Vec<Term>,
    /// Per search word (`word` or `prefix*`): its idf; words no row holds are absent.
    idf: HashMap<(String, bool), f64>,
    /// The words that add to a boolean rank (all but the `-` ones), first mention first.
    ranked: Vec<(String, bool)>,
}

impl FtQuery {
    /// Parses `text` and reads the statistics of its words from the index of `t`.
    pub fn new(
        reader: &Reader,
        t: &TableDef,
        ix: &IndexDef,
        text: &str,
        mode: Mode,
    ) -> SqlResult<FtQuery> {
        let terms = match mode {
            Mode::Boolean => parse_boolean(text)?,
            Mode::Natural => natural_terms(text),
        };
        let mut words: Vec<(String, bool)> = Vec::new();
        collect_words(&terms, &mut words);
        let mut total: u64 = 0;
        reader.scan(
            t.tree,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            &mut |_, _| {
                total += 1;
                Ok(true)
            },
        )?;
        let mut idf = HashMap::new();
        for (w, prefix) in words {
            if idf.contains_key(&(w.clone(), prefix)) {
                continue;
            }
            let mut lo = w.clone().into_bytes();
            let hi = if prefix {
                let mut h = lo.clone();
                h.push(0xFF);
                h
            } else {
                lo.push(0);
                let mut h = w.clone().into_bytes();
                h.push(1);
                h
            };
            let mut docs: HashSet<Vec<u8>> = HashSet::new();
            reader.scan(
                ix.tree,
                Bound::Included(Bytes::from(lo)),
                Bound::Excluded(Bytes::from(hi)),
                false,
                &mut |k, _| {
                    if let Some(z) = k.iter().position(|&b| b == 0) {
                        docs.insert(k[z + 1..].to_vec());
                    }
                    Ok(true)
                },
            )?;
            let n = docs.len() as u64;
            if n > 0 {
                let v = if n >= total {
                    1.0001f64.log10()
                } else {
                    (total as f64 / n as f64).log10()
                };
                idf.insert((w, prefix), v);
            }
        }
        let mut ranked = Vec::new();
        ranked_words(&terms, &mut ranked);
        Ok(FtQuery {
            mode,
            terms,
            idf,
            ranked,
        })
    }

    /// The relevance of a row whose MATCH columns hold `values`.
    pub fn rank(&self, values: &[Value]) -> f64 {
        let mut toks = Vec::new();
        for v in values {
            if let Some(t) = value_text(v) {
                toks.extend(tokens(&t));
            }
        }
        let doc = Doc::new(toks);
        match self.mode {
            Mode::Natural => {
                let mut rank = 0f32;
                let mut seen = HashSet::new();
                for t in &self.terms {
                    if let Item::Word(w, _) = &t.item {
                        if seen.insert(w.clone()) {
                            rank += self.weight(&doc, w, false);
                        }
                    }
                }
                f64::from(rank)
            }
            Mode::Boolean => self.boolean_rank(&doc).map_or(0.0, f64::from),
        }
    }

    /// `freq * idf * idf` of search word `w` in `doc`, in InnoDB's single precision.
    fn weight(&self, doc: &Doc, w: &str, prefix: bool) -> f32 {
        let Some(idf) = self.idf.get(&(w.to_string(), prefix)) else {
            return 0.0;
        };
        let freq = doc.freq(w, prefix);
        if freq == 0 {
            return 0.0;
        }
        (f64::from(freq) * idf * idf) as f32
    }

    /// The rank adjustment of `doc` for a boolean group (the `>`, `<` and `~` terms it
    /// matches, each ±1, kept within ±1 as InnoDB's `fts_query_change_ranking`), `None`
    /// when it does not match.
    fn group(&self, doc: &Doc, terms: &[Term]) -> Option<f32> {
        let has_plus = terms.iter().any(|t| t.op == Op::Plus);
        let mut base = 0f32;
        let mut any = false;
        for t in terms {
            let hit = self.item(doc, &t.item);
            match t.op {
                Op::Minus => {
                    if hit.is_some() {
                        return None;
                    }
                }
                Op::Plus => {
                    base = (base + hit?).clamp(-1.0, 1.0);
                    any = true;
                }
                op => {
                    if let Some(r) = hit {
                        any = true;
                        base = match op {
                            Op::Gt => base + 1.0,
                            Op::Lt | Op::Tilde => base - 1.0,
                            _ => base + r,
                        }
                        .clamp(-1.0, 1.0);
                    }
                }
            }
        }
        if !any && !has_plus {
            return None;
        }
        any.then_some(base)
    }

    /// Whether `doc` matches one boolean item, with the item's own adjustment.
    fn item(&self, doc: &Doc, item: &Item) -> Option<f32> {
        match item {
            Item::Word(w, prefix) => (doc.freq(w, *prefix) > 0).then_some(0.0),
            Item::Phrase(ws) => (!ws.is_empty() && doc.has_phrase(ws)).then_some(0.0),
            Item::Group(ts) => self.group(doc, ts),
        }
    }

    /// A matching row's boolean rank: its adjustment, then `freq * idf * idf` of each
    /// search word it holds, added in the order the search names them (InnoDB's order,
    /// which single precision makes visible).
    fn boolean_rank(&self, doc: &Doc) -> Option<f32> {
        let mut rank = self.group(doc, &self.terms)?;
        for (w, prefix) in &self.ranked {
            rank += self.weight(doc, w, *prefix);
        }
        Some(rank)
    }
}

/// A row's tokens, for counting words and finding phrases.
struct Doc {
    toks: Vec<String>,
}

impl Doc {
    fn new(toks: Vec<String>) -> Doc {
        Doc { toks }
    }

    fn freq(&self, w: &str, prefix: bool) -> u32 {
        let n = self
            .toks
            .iter()
            .filter(|t| indexed(t) && if prefix { t.starts_with(w) } else { *t == w })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn has_phrase(&self, ws: &[String]) -> bool {
        self.toks.windows(ws.len()).any(|win| win == ws)
    }
}

/// The search words of a natural language query.
fn natural_terms(text: &str) -> Vec<Term> {
    tokens(text)
        .into_iter()
        .filter(|w| indexed(w))
        .map(|w| Term {
            op: Op::None,
            item: Item::Word(w, false),
        })
        .collect()
}

fn collect_words(terms: &[Term], out: &mut Vec<(String, bool)>) {
    for t in terms {
        match &t.item {
            Item::Word(w, p) => out.push((w.clone(), *p)),
            Item::Phrase(ws) => {
                out.extend(ws.iter().filter(|w| indexed(w)).map(|w| (w.clone(), false)))
            }
            Item::Group(ts) => collect_words(ts, out),
        }
    }
}

/// The words of `terms` not under `-`, each once, in order.
fn ranked_words(terms: &[Term], out: &mut Vec<(String, bool)>) {
    for t in terms.iter().filter(|t| t.op != Op::Minus) {
        let mut add = |w: &String, p: bool| {
            if !out.iter().any(|(x, q)| x == w && *q == p) {
                out.push((w.clone(), p));
            }
        };
        match &t.item {
            Item::Word(w, p) => add(w, *p),
            Item::Phrase(ws) => ws.iter().filter(|w| indexed(w)).for_each(|w| add(w, false)),
            Item::Group(ts) => ranked_words(ts, out),
        }
    }
}

/// Parses a boolean mode search string.
/// How deep boolean-mode groups may nest: InnoDB's parser stops past 32 levels (MySQL
/// answers handler error 209; a client's `(((…` must not exhaust the stack).
const MAX_NESTING: u32 = 32;

fn parse_boolean(text: &str) -> SqlResult<Vec<Term>> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    parse_group(&chars, &mut at, 0)
}

fn parse_group(c: &[char], at: &mut usize, depth: u32) -> SqlResult<Vec<Term>> {
    if depth > MAX_NESTING {
        return Err(SqlError::new(
            209,
            "Too many nested sub-expressions in a full-text search",
        ));
    }
    let mut out = Vec::new();
    let mut op = Op::None;
    while *at < c.len() {
        let ch = c[*at];
        match ch {
            '+' => {
                op = Op::Plus;
                *at += 1;
            }
            '-' => {
                op = Op::Minus;
                *at += 1;
            }
            '>' => {
                op = Op::Gt;
                *at += 1;
            }
            '<' => {
                op = Op::Lt;
                *at += 1;
            }
            '~' => {
                op = Op::Tilde;
                *at += 1;
            }
            '(' => {
                *at += 1;
                let inner = parse_group(c, at, depth + 1)?;
                out.push(Term {
                    op,
                    item: Item::Group(inner),
                });
                op = Op::None;
            }
            ')' => {
                *at += 1;
                return Ok(out);
            }
            '"' => {
                *at += 1;
                let start = *at;
                while *at < c.len() && c[*at] != '"' {
                    *at += 1;
                }
                let s: String = c[start..*at].iter().collect();
                *at += 1;
                out.push(Term {
                    op,
                    item: Item::Phrase(tokens(&s)),
                });
                op = Op::None;
            }
            ch if word_char(ch) => {
                let start = *at;
                while *at < c.len() && word_char(c[*at]) {
                    *at += 1;
                }
                let w: String = c[start..*at].iter().collect::<String>().to_lowercase();
                let prefix = *at < c.len() && c[*at] == '*';
                if prefix {
                    *at += 1;
                }
                if prefix || indexed(&w) {
                    out.push(Term {
                        op,
                        item: Item::Word(w, prefix),
                    });
                }
                op = Op::None;
            }
            _ => {
                op = Op::None;
                *at += 1;
            }
        }
    }
    Ok(out)
}

/// A SELECT without ORDER BY whose WHERE has a MATCH conjunct over its one table comes
/// out in relevance order (InnoDB reads it through the FULLTEXT index, best first; equal
/// ranks in row order): the ORDER BY that gives that order. `None` for anything else (a
/// join, grouping, aggregates, DISTINCT).
pub fn relevance_order(s: &ast::Select) -> Option<ast::OrderByExpr> {
    let [from] = s.from.as_slice() else {
        return None;
    };
    if !from.joins.is_empty()
        || !matches!(from.relation, ast::TableFactor::Table { .. })
        || s.distinct.is_some()
        || s.having.is_some()
        || !matches!(&s.group_by, ast::GroupByExpr::Expressions(v, _) if v.is_empty())
    {
        return None;
    }
    let mut aggregate = false;
    let _ = ast::visit_expressions(&s.projection, |e: &ast::Expr| {
        if let ast::Expr::Function(f) = e {
            let n = f.name.to_string().to_ascii_uppercase();
            aggregate |= f.over.is_none()
                && matches!(
                    n.as_str(),
                    "COUNT"
                        | "SUM"
                        | "AVG"
                        | "MIN"
                        | "MAX"
                        | "GROUP_CONCAT"
                        | "STD"
                        | "STDDEV"
                        | "STDDEV_POP"
                        | "STDDEV_SAMP"
                        | "VARIANCE"
                        | "VAR_POP"
                        | "VAR_SAMP"
                        | "BIT_AND"
                        | "BIT_OR"
                        | "BIT_XOR"
                        | "JSON_ARRAYAGG"
                        | "JSON_OBJECTAGG"
                );
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    if aggregate {
        return None;
    }
    fn find(e: &ast::Expr) -> Option<&ast::Expr> {
        match e {
            ast::Expr::MatchAgainst { .. } => Some(e),
            ast::Expr::Nested(x) => find(x),
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::And,
                right,
            } => find(left).or_else(|| find(right)),
            _ => None,
        }
    }
    let m = find(s.selection.as_ref()?)?;
    Some(ast::OrderByExpr {
        expr: m.clone(),
        options: ast::OrderByOptions {
            sort: Some(ast::OrderBySort::Desc),
            nulls_first: None,
        },
        with_fill: None,
    })
}

/// 1191, when no FULLTEXT index has exactly the MATCH columns.
pub fn no_index() -> SqlError {
    SqlError::new(1191, "Can't find FULLTEXT index matching the column list")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_innodb() {
        let t: Vec<String> = tokens("The QUICK brown-fox, it's a_b 42")
            .into_iter()
            .filter(|w| indexed(w))
            .collect();
        assert_eq!(t, ["quick", "brown", "fox", "a_b"]);
    }

    #[test]
    fn boolean_parse() {
        let t = parse_boolean("+apple -pie >\"green tea\" (x* ~bad)").unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].op, Op::Plus);
        assert_eq!(t[1].op, Op::Minus);
        assert!(matches!(&t[2].item, Item::Phrase(w) if w.len() == 2));
        assert!(matches!(&t[3].item, Item::Group(g) if g.len() == 2));
        // 32 levels parse; one more is InnoDB's error 209, not a stack overflow.
        let nest = |n: usize| format!("{}apple{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(parse_boolean(&nest(32)).unwrap().len(), 1);
        assert_eq!(parse_boolean(&nest(33)).unwrap_err().code, 209);
        assert_eq!(parse_boolean(&"(".repeat(1_000_000)).unwrap_err().code, 209);
    }
}
