//! Statement execution context and SELECT.
//!
//! Life of a SELECT: the FROM clause becomes a scope (every column of every
//! table, in order) and rows read through an access path chosen from the WHERE
//! and ON conjuncts (primary key point/range, secondary index point/range, or
//! a full scan); each join step ([`super::join`]) probes the inner table by index
//! when an equality on its key is available, else hashes it on an equality with the
//! rows before, else loops; all-inner joins (a single table included) are planned
//! there, run in the order chosen, their rows permuted back to the written order.
//! The select list, HAVING, GROUP BY and ORDER BY are bound before any row is read.
//! Then the FROM clause's rows stream through WHERE into their consumer
//! ([`Exec::consume_from`]): aggregates without GROUP BY fold them one by one,
//! GROUP BY folds them into a hash table of groups ([`super::hashagg`]; WITH ROLLUP
//! sorts them instead, [`aggregate`]), and a plain select keeps them, stopping at its
//! LIMIT when nothing after WHERE needs every row (no ORDER BY, DISTINCT, HAVING or
//! window). RIGHT joins, USING and correlated WHERE conditions gather their rows first.
//! A group's row is the input columns of its first row, then one slot per
//! aggregate. HAVING filters, the window stage ([`super::window`]) fills the slots
//! of window functions, the select list and ORDER BY keys are computed, DISTINCT,
//! ORDER BY and LIMIT finish.
//!
//! Around the SELECT block, [`Exec::query`] puts a WITH clause's CTEs in scope
//! ([`super::cte`]: `factor` reads a CTE before a view or table of the same name),
//! combines UNION / EXCEPT / INTERSECT ([`super::setops`]), reads `TABLE t` and
//! `VALUES ROW(…)`, then applies the whole query's ORDER BY and LIMIT.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use sqlparser::ast;

use super::catalog::{privs, Catalog, TableDef, CATALOG_TREE};
use super::error::{SqlError, SqlResult};
use super::expr::{
    AggFunc, AggSpec, BindEnv, Binder, ColType, CorrKind, CorrSpec, EvalCx, Expr, Scope, ScopeCol,
};
use super::spill::{sort_rows, GroupKeys, KeySpec as SortSpec, SortMode};
use crate::storage::page::Bytes;
use crate::storage::{Cluster, Snapshot, Transaction};
use crate::value::keycode::{encode_key_part, prefix_successor, KeyPart};
use crate::value::row::{decode_row, decode_row_columns};
use crate::value::{coerce_for_column, sort_cmp, Collation, Decimal, SqlType, Value};

/// Per-cluster state shared by every session on it.
pub struct SqlCluster {
    pub cluster: Cluster,
    /// The newest decoded catalog, and the newest commit known to show it.
    catalog_cache: Mutex<Option<(Arc<Catalog>, u64)>>,
    /// Next AUTO_INCREMENT value per table tree (non-transactional, like InnoDB).
    autoinc: Mutex<HashMap<u64, u64>>,
    /// Next hidden row id per table tree without a primary key.
    rowid: Mutex<HashMap<u64, u64>>,
    /// Serialises DDL statements (MySQL's metadata locks do this).
    pub ddl_lock: Mutex<()>,
}

impl SqlCluster {
    pub fn new(cluster: Cluster) -> Self {
        SqlCluster {
            cluster,
            catalog_cache: Mutex::new(None),
            autoinc: Mutex::new(HashMap::new()),
            rowid: Mutex::new(HashMap::new()),
            ddl_lock: Mutex::new(()),
        }
    }

    /// Forgets AUTO_INCREMENT state of a table (TRUNCATE, DROP).
    pub fn reset_counters(&self, tree: u64) {
        self.autoinc
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&tree);
        self.rowid
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&tree);
    }

    /// Forgets everything kept beside the data (AUTO_INCREMENT and row id counters, the
    /// cached catalog): the cluster was rewound, they are re-read from the data.
    pub fn forget_derived_state(&self) {
        self.autoinc
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.rowid.lock().unwrap_or_else(|e| e.into_inner()).clear();
        *self.catalog_cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Where a statement reads: its transaction (own writes visible) or a snapshot.
pub enum Reader<'a> {
    Tx(&'a mut Transaction),
    Snap(Snapshot),
}

/// Rows decoded as the client reads them ([`Exec::stream_table`]).
pub type RowIter = Box<dyn Iterator<Item = SqlResult<Vec<Value>>> + Send>;

/// The select list of `s` as the rendered query holds it.
pub(crate) fn projection_text(s: &ast::Select) -> String {
    s.projection
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stored columns a result reads, in result order, decoded alone: a streamed
/// `SELECT a, b FROM t` and a planned point read.
pub(crate) struct Picks {
    /// Stored column of each result column.
    cols: Vec<usize>,
    /// Which stored columns to decode.
    wanted: Vec<bool>,
    /// No stored column is picked twice (each can be moved out of the decoded row).
    distinct: bool,
}

impl Picks {
    /// The columns of `t` that `names` name (case-insensitive); None if one is not a
    /// column of `t`.
    pub(crate) fn by_name<'n>(
        t: &TableDef,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Option<Picks> {
        let cols = names
            .into_iter()
            .map(|n| t.column(n))
            .collect::<Option<Vec<_>>>()?;
        let wanted: Vec<bool> = (0..t.columns.len()).map(|i| cols.contains(&i)).collect();
        let distinct = wanted.iter().filter(|w| **w).count() == cols.len();
        Some(Picks {
            cols,
            wanted,
            distinct,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.cols.len()
    }

    /// Every stored column, once each, in table order.
    pub(crate) fn is_whole_row(&self) -> bool {
        self.cols.iter().copied().eq(0..self.wanted.len())
    }

    /// Decodes the picked columns of stored row `b`, in result order.
    pub(crate) fn decode(
        &self,
        b: &[u8],
        types: &[SqlType],
        defaults: &[Value],
    ) -> SqlResult<Vec<Value>> {
        let mut row = decode_row_columns(b, types, defaults, Some(&self.wanted))?;
        Ok(self
            .cols
            .iter()
            .map(|&i| match self.distinct {
                true => std::mem::replace(&mut row[i], Value::Null),
                false => row[i].clone(),
            })
            .collect())
    }
}

/// `name` or `db.name`, each plain or backquoted, and nothing else.
pub(crate) fn is_plain_table_name(s: &str) -> bool {
    let part = |s: &str| -> Option<usize> {
        if let Some(inner) = s.strip_prefix('`') {
            let close = inner.find('`')?;
            (close > 0 && !inner[..close].contains('`')).then_some(close + 2)
        } else {
            let n = s
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$'))
                .count();
            (n > 0).then_some(n)
        }
    };
    let Some(n) = part(s) else { return false };
    let rest = &s[n..];
    if rest.is_empty() {
        return true;
    }
    rest.strip_prefix('.')
        .and_then(|r| part(r).map(|m| m == r.len()))
        .unwrap_or(false)
}

/// An owned iterator over `(key, value)` pairs.
pub type KvIter = Box<dyn Iterator<Item = crate::Result<(Bytes, Bytes)>> + Send>;

impl Reader<'_> {
    /// The commit this reader's snapshot shows.
    pub fn seq(&self) -> u64 {
        match self {
            Reader::Tx(t) => t.snapshot().seq(),
            Reader::Snap(s) => s.seq(),
        }
    }

    pub fn get(&self, tree: u64, key: &[u8]) -> SqlResult<Option<Bytes>> {
        Ok(match self {
            Reader::Tx(t) => t.get(tree, key)?,
            Reader::Snap(s) => s.get(tree, key)?,
        })
    }

    pub fn range(
        &self,
        tree: u64,
        lo: Bound<Bytes>,
        hi: Bound<Bytes>,
        reverse: bool,
    ) -> SqlResult<KvIter> {
        Ok(match self {
            Reader::Tx(t) => Box::new(t.range(tree, lo, hi, reverse)?),
            Reader::Snap(s) => Box::new(s.range(tree, lo, hi, reverse)?),
        })
    }

    /// Calls `f` with each entry of `(lo, hi)`, borrowed, until it returns false.
    pub fn scan(
        &self,
        tree: u64,
        lo: Bound<Bytes>,
        hi: Bound<Bytes>,
        reverse: bool,
        f: &mut dyn FnMut(&[u8], &[u8]) -> SqlResult<bool>,
    ) -> SqlResult<()> {
        // The callback's SQL error rides through the storage layer's Result.
        let mut failed = None;
        let mut visit = |k: &[u8], v: &[u8]| -> crate::error::Result<bool> {
            match f(k, v) {
                Ok(go) => Ok(go),
                Err(e) => {
                    failed = Some(e);
                    Ok(false)
                }
            }
        };
        match self {
            Reader::Tx(t) => t.scan(tree, lo, hi, reverse, &mut visit)?,
            Reader::Snap(s) => s.scan(tree, lo, hi, reverse, &mut visit)?,
        }
        failed.map_or(Ok(()), Err)
    }

    pub fn tx(&mut self) -> SqlResult<&mut Transaction> {
        match self {
            Reader::Tx(t) => Ok(t),
            Reader::Snap(_) => Err(SqlError::new(
                1105,
                "internal error: write without a transaction",
            )),
        }
    }
}

/// Loads the catalog visible to `reader`, from the shared cache when unchanged.
pub fn load_catalog(shared: &SqlCluster, reader: &Reader) -> SqlResult<Arc<Catalog>> {
    // A transaction that changed the catalog sees its own, uncached version; every
    // other reader shares the decoded catalog of its version. A commit's catalog never
    // changes: a reader of the commit the cache was last confirmed at needs no lookup
    // (every statement of a read-only workload).
    let in_tx_ddl = matches!(reader, Reader::Tx(t) if t.writes_tree(CATALOG_TREE));
    let seq = reader.seq();
    if !in_tx_ddl {
        if let Some((c, at)) = shared
            .catalog_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            if *at == seq {
                return Ok(c.clone());
            }
        }
    }
    let version = match reader.get(CATALOG_TREE, b"V") {
        Ok(Some(v)) => u64::from_le_bytes(v.as_ref().try_into().unwrap_or_default()),
        Ok(None) => 0,
        Err(e) if e.code == 1105 => return Ok(Arc::new(Catalog::default())),
        Err(e) => return Err(e),
    };
    if !in_tx_ddl {
        if let Some((c, at)) = shared
            .catalog_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            if c.version == version {
                *at = (*at).max(seq);
                return Ok(c.clone());
            }
        }
    }
    let mut entries = Vec::new();
    for r in reader.range(CATALOG_TREE, Bound::Unbounded, Bound::Unbounded, false)? {
        let (k, v) = r?;
        entries.push((k, v));
    }
    let cat = Catalog::decode(entries.iter().map(|(k, v)| (&k[..], &v[..])))
        .ok_or_else(|| SqlError::new(1105, "the catalog does not decode"))?;
    let cat = Arc::new(cat);
    if !in_tx_ddl {
        *shared
            .catalog_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some((cat.clone(), seq));
    }
    Ok(cat)
}

/// `db.name` or `name` (in `current_db`: 1046 when there is none) as (db, name); `what`
/// names the object in the 1064 error for a longer name.
pub fn qualified_name(
    name: &ast::ObjectName,
    current_db: Option<String>,
    what: &str,
) -> SqlResult<(String, String)> {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect();
    match parts.as_slice() {
        [n] => Ok((
            current_db.ok_or_else(|| SqlError::new(1046, "No database selected"))?,
            n.clone(),
        )),
        [d, n] => Ok((d.clone(), n.clone())),
        _ => Err(SqlError::new(
            1064,
            format!("Incorrect {what} name '{name}'"),
        )),
    }
}

/// A result column as the client sees it.
#[derive(Clone, Debug, Default)]
pub struct OutColumn {
    pub name: String,
    pub org_name: String,
    pub table: String,
    pub org_table: String,
    pub db: String,
    pub ty: ColType,
    pub nullable: bool,
    pub primary: bool,
    pub unique: bool,
    pub multiple_key: bool,
    pub auto_increment: bool,
}

impl OutColumn {
    /// A computed column.
    pub fn expr(name: &str, ty: ColType) -> Self {
        OutColumn {
            name: name.into(),
            ty,
            nullable: true,
            ..Default::default()
        }
    }
}

/// A result set.
pub struct RowSet {
    pub columns: Vec<OutColumn>,
    pub rows: Vec<Vec<Value>>,
}

/// Where a statement's result set goes as it is produced: the client's connection, for
/// the SELECT a client sent ([`Exec::query_into`]). Columns once, then each row; an error
/// from the sink (the client went away) ends the statement.
pub trait RowSink {
    fn columns(&mut self, columns: &[OutColumn]) -> SqlResult<()>;
    fn row(&mut self, row: Vec<Value>) -> SqlResult<()>;
}

/// What the executor needs from the session (variables, session functions).
pub trait SessionEnv {
    fn system_var(&mut self, name: &str, scope: Option<&str>) -> SqlResult<Value>;
    fn user_var(&mut self, name: &str) -> Value;
    fn session_fn(&mut self, name: &str, args: &[Value]) -> Option<SqlResult<Value>>;
    fn literal_collation(&self) -> Collation;
    fn current_db(&self) -> Option<String>;
    fn strict(&self) -> bool;
    /// Called when a statement generated an AUTO_INCREMENT value.
    fn set_last_insert_id(&mut self, id: u64);
    /// Per inserted row of a table with an AUTO_INCREMENT column: the value generated,
    /// or `None` when the row gave its own (statement-based binlogging needs both).
    fn note_autoinc(&mut self, _generated: Option<u64>) {}
    /// `SET @name = v` (stored programs, CALL's OUT parameters).
    fn set_user_var(&mut self, name: &str, v: Value);
    /// AS OF readers and other hooks may come here later.
    fn warn(&mut self, _w: crate::value::Warning) {}
    /// CURRENT_USER() quoted for a DEFINER clause.
    fn definer(&self) -> String {
        "`root`@`%`".into()
    }
    /// System variables as SHOW [GLOBAL] VARIABLES lists them: (name, value).
    fn variables(&self, _global: bool) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Status variables as SHOW [GLOBAL] STATUS lists them: (name, value).
    fn status(&self, _global: bool) -> Vec<(String, String)> {
        Vec::new()
    }
    /// The server's sessions that `sec` may see
    /// ([`super::privilege::Security::sees_thread`]) as rows of (Id, User, Host, db,
    /// Command, Time, State, Info).
    fn processlist(&self, _sec: &super::privilege::Security) -> Vec<Vec<Value>> {
        Vec::new()
    }
}

/// One statement's execution context.
pub struct Exec<'a> {
    pub shared: &'a SqlCluster,
    pub reader: Reader<'a>,
    pub catalog: Arc<Catalog>,
    pub session: &'a mut dyn SessionEnv,
    pub params: Vec<Value>,
    pub next_param: usize,
    pub cx: EvalCx,
    /// The statement text (for the names of unaliased result columns).
    pub text: Arc<str>,
    /// Correlated subqueries registered while binding this statement.
    pub corr: Vec<CorrSpec>,
    /// Describe only (COM_STMT_PREPARE): reads no rows, so a statement's
    /// result columns are known without running it.
    pub describe: bool,
    /// Stored programs running under this statement.
    pub prog: super::interp::ProgState,
    /// Whose privileges are in force: the session user's, or while a view or stored
    /// program runs with SQL SECURITY DEFINER, its definer's.
    pub security: super::privilege::Security,
    /// Rows that reads pass over (primary keys by table tree): those SKIP LOCKED found
    /// locked by other transactions.
    pub skip: HashMap<u64, std::collections::HashSet<Vec<u8>>>,
    /// While a locking join runs to learn what it reads: its reads of the tables its
    /// clauses cover ([`super::dml::JoinReads`]).
    pub(crate) join_reads: Option<std::cell::RefCell<super::dml::JoinReads>>,
    /// The common table expressions in scope, innermost last (see [`super::cte`]).
    pub ctes: Vec<super::cte::Cte>,
    /// When Some, the outermost FROM clause built records its join steps here (EXPLAIN).
    pub trace: Option<Vec<super::join::JoinTrace>>,
    /// CHECK constraints bound for this statement, by table layout (see
    /// [`super::check`]).
    pub checks: std::collections::HashMap<String, std::rc::Rc<Vec<(String, Expr)>>>,
    /// Generated columns bound for this statement, by table layout (see
    /// [`super::generated`]).
    pub generated: std::collections::HashMap<String, std::rc::Rc<Vec<(usize, Expr)>>>,
}

impl BindEnv for Exec<'_> {
    fn system_var(&mut self, name: &str, scope: Option<&str>) -> SqlResult<Value> {
        self.session.system_var(name, scope)
    }
    fn user_var(&mut self, name: &str) -> Value {
        // A value this statement assigned and the session does not hold yet.
        let assigned = self
            .cx
            .user_vars
            .borrow()
            .get(&name.to_ascii_lowercase())
            .cloned();
        assigned.unwrap_or_else(|| self.session.user_var(name))
    }
    fn assigns_user_vars(&self) -> bool {
        super::stmtlog::code_contains(&self.text, ":=")
    }
    fn bind_warning(&mut self, w: crate::value::Warning) {
        self.cx.warn(w);
    }
    fn session_fn(&mut self, name: &str, args: &[Value]) -> Option<SqlResult<Value>> {
        self.session.session_fn(name, args)
    }
    fn subquery(&mut self, q: &ast::Query) -> SqlResult<(Vec<Vec<Value>>, ColType)> {
        // The subquery's own correlated subqueries belong to it alone.
        let saved = std::mem::take(&mut self.corr);
        let r = self.query(q);
        self.corr = saved;
        let r = r?;
        let ty = r.columns.first().and_then(|c| c.ty.clone());
        Ok((r.rows, ty))
    }
    fn correlated(&mut self, spec: CorrSpec) -> SqlResult<Option<(usize, ColType)>> {
        // The result type: describe the subquery with NULL for outer references. A
        // column it still does not find is unknown, even when no outer row comes.
        let nulls = vec![Value::Null; spec.outer.cols.len()];
        let q = self.substitute_outer(&spec.query, &spec.outer, &nulls);
        let (was, saved) = (self.describe, std::mem::take(&mut self.corr));
        self.describe = true;
        let described = self.query(&q);
        self.describe = was;
        self.corr = saved;
        let ty = match described {
            Ok(rs) => rs.columns.first().and_then(|c| c.ty.clone()),
            Err(e) if e.code == 1054 => return Err(e),
            Err(_) => None,
        };
        self.corr.push(spec);
        Ok(Some((self.corr.len() - 1, ty)))
    }
    fn fulltext(
        &mut self,
        db: &str,
        table: &str,
        cols: &[String],
        text: &str,
        mode: super::fulltext::Mode,
    ) -> SqlResult<Arc<super::fulltext::FtQuery>> {
        let t = self
            .catalog
            .table(db, table)
            .ok_or_else(super::fulltext::no_index)?
            .clone();
        // An INVISIBLE FULLTEXT index is not there for MATCH (MySQL 8.0: 1191).
        let use_invisible = self.use_invisible_indexes();
        let ix = t
            .indexes
            .iter()
            .filter(|ix| use_invisible || !ix.invisible)
            .find(|ix| super::fulltext::covers(&t, ix, cols))
            .ok_or_else(super::fulltext::no_index)?;
        Ok(Arc::new(super::fulltext::FtQuery::new(
            &self.reader,
            &t,
            ix,
            text,
            mode,
        )?))
    }
    fn param(&mut self) -> SqlResult<Value> {
        if self.describe {
            return Ok(Value::Null);
        }
        let v = self.params.get(self.next_param).cloned();
        self.next_param += 1;
        v.ok_or_else(|| SqlError::new(1210, "Incorrect arguments to EXECUTE"))
    }
    fn literal_collation(&self) -> Collation {
        self.session.literal_collation()
    }
    fn stored_function(
        &mut self,
        db: Option<&str>,
        name: &str,
        args: Vec<(Expr, ColType)>,
    ) -> Option<SqlResult<(Expr, ColType)>> {
        self.bind_stored_function(db, name, args)
    }
}

/// A value as a SQL literal in the AST.
pub fn value_literal(v: &Value) -> ast::Expr {
    let lit = |v: ast::Value| ast::Expr::Value(v.into());
    match v {
        Value::Null => lit(ast::Value::Null),
        Value::Int(i) => lit(ast::Value::Number(i.to_string(), false)),
        Value::UInt(u) => lit(ast::Value::Number(u.to_string(), false)),
        Value::Decimal(d) => lit(ast::Value::Number(d.to_string(), false)),
        Value::Double(f) => lit(ast::Value::Number(format!("{f:e}"), false)),
        Value::Float(f) => lit(ast::Value::Number(format!("{:e}", f64::from(*f)), false)),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => lit(ast::Value::SingleQuotedString(s.to_string())),
            Err(_) => lit(ast::Value::HexStringLiteral(
                b.iter().map(|x| format!("{x:02X}")).collect(),
            )),
        },
        other => lit(ast::Value::SingleQuotedString(
            String::from_utf8_lossy(&other.to_text().unwrap_or_default()).into_owned(),
        )),
    }
}

/// Whether an expression contains a subquery.
pub(crate) fn has_subquery(e: &ast::Expr) -> bool {
    let mut found = false;
    let _ = ast::visit_expressions(e, |x: &ast::Expr| {
        if matches!(
            x,
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. }
        ) {
            found = true;
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    found
}

/// Splits an expression into its AND-ed conjuncts.
pub fn conjuncts(e: &Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::And(a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        other => out.push(other.clone()),
    }
}

/// A key range over a table's primary or secondary index.
#[derive(Clone, Debug)]
pub enum Path {
    /// Every row, in primary key order.
    Full,
    /// Rows whose primary key / index key starts with `eq` and whose next key
    /// part lies in `lo..hi`; `index` None is the primary key.
    Range {
        index: Option<usize>,
        eq: Vec<Expr>,
        lo: Option<(Expr, bool)>,
        hi: Option<(Expr, bool)>,
        in_list: Option<Vec<Expr>>,
    },
}

fn key_parts(t: &TableDef, index: Option<usize>) -> Vec<(usize, KeyPart)> {
    let cols = match index {
        None => &t.primary,
        Some(i) => &t.indexes[i].columns,
    };
    cols.iter()
        .map(|c| {
            (
                c.column,
                KeyPart {
                    ty: t.columns[c.column].ty.clone(),
                    desc: false,
                    prefix_chars: c.prefix,
                },
            )
        })
        .collect()
}

/// Whether a constant of this value can be encoded as a key of `ty` exactly.
fn key_compatible(v: &Value, ty: &SqlType) -> bool {
    match (v, ty) {
        (Value::Null, _) => false,
        (
            Value::Int(_) | Value::UInt(_),
            SqlType::Int { .. } | SqlType::Decimal { .. } | SqlType::Year,
        ) => true,
        (Value::Decimal(d), SqlType::Decimal { scale, .. }) => d.scale() <= *scale,
        (Value::Bytes(b), SqlType::Int { .. }) => {
            matches!(crate::value::str_to_int(b).1, crate::value::NumParse::Clean)
        }
        (Value::Bytes(_), t)
            if t.is_string() || matches!(t, SqlType::Enum { .. } | SqlType::Set { .. }) =>
        {
            true
        }
        (
            Value::Bytes(_) | Value::Date(_) | Value::DateTime(_),
            SqlType::Date | SqlType::DateTime { .. } | SqlType::Timestamp { .. },
        ) => true,
        (Value::Double(_) | Value::Float(_), SqlType::Double | SqlType::Float) => true,
        _ => false,
    }
}

/// Encodes `v` as key part `kp`, or `None` when the index cannot be used for it.
pub(crate) fn encode_part(out: &mut Vec<u8>, v: &Value, kp: &KeyPart) -> Option<()> {
    if !key_compatible(v, &kp.ty) {
        return None;
    }
    let (coerced, warn) = coerce_for_column(v.clone(), &kp.ty, false).ok()?;
    if warn.is_some() && !kp.ty.is_string() {
        return None;
    }
    encode_key_part(out, &coerced, kp).ok()
}

/// Picks an access path for table `t`, whose columns sit at `base..` in the
/// scope, from `conj`: conjuncts may also read columns before `base` (outer rows).
/// An INVISIBLE index is a candidate only with `use_invisible` (the session's
/// `optimizer_switch` flag `use_invisible_indexes`, see [`Exec::use_invisible_indexes`]).
pub fn choose_path(t: &TableDef, base: usize, conj: &[Expr], use_invisible: bool) -> Path {
    let n = t.columns.len();
    let usable = |e: &Expr| e.max_col().is_none_or(|m| m < base);
    let is_col = |e: &Expr, c: usize| matches!(e, Expr::Col(i) if *i == base + c);
    let eq_for = |c: usize| -> Option<Expr> {
        conj.iter().find_map(|e| match e {
            Expr::Cmp(super::expr::CmpOp::Eq, a, b, _) if is_col(a, c) && usable(b) => {
                Some((**b).clone())
            }
            Expr::Cmp(super::expr::CmpOp::Eq, a, b, _) if is_col(b, c) && usable(a) => {
                Some((**a).clone())
            }
            _ => None,
        })
    };
    let in_for = |c: usize| -> Option<Vec<Expr>> {
        conj.iter().find_map(|e| match e {
            Expr::InList(a, list, false, _) if is_col(a, c) && list.iter().all(usable) => {
                Some(list.clone())
            }
            _ => None,
        })
    };
    let range_for = |c: usize| -> (Option<(Expr, bool)>, Option<(Expr, bool)>) {
        use super::expr::CmpOp::*;
        let (mut lo, mut hi) = (None, None);
        for e in conj {
            match e {
                Expr::Between(a, l, h, false, _) if is_col(a, c) && usable(l) && usable(h) => {
                    lo = Some(((**l).clone(), true));
                    hi = Some(((**h).clone(), true));
                }
                Expr::Cmp(op, a, b, _) if is_col(a, c) && usable(b) => match op {
                    Gt => lo = Some(((**b).clone(), false)),
                    Ge => lo = Some(((**b).clone(), true)),
                    Lt => hi = Some(((**b).clone(), false)),
                    Le => hi = Some(((**b).clone(), true)),
                    _ => {}
                },
                Expr::Cmp(op, a, b, _) if is_col(b, c) && usable(a) => match op {
                    Lt => lo = Some(((**a).clone(), false)),
                    Le => lo = Some(((**a).clone(), true)),
                    Gt => hi = Some(((**a).clone(), false)),
                    Ge => hi = Some(((**a).clone(), true)),
                    _ => {}
                },
                _ => {}
            }
        }
        (lo, hi)
    };
    // Score each index: (full unique equality, number of eq parts, has range).
    let mut best: Option<(u32, Path)> = None;
    let candidates = std::iter::once(None).chain(
        (0..t.indexes.len())
            .filter(|&i| !t.indexes[i].is_fulltext() && (use_invisible || !t.indexes[i].invisible))
            .map(Some),
    );
    for index in candidates {
        let cols: Vec<usize> = match index {
            None => t.primary.iter().map(|c| c.column).collect(),
            Some(i) => t.indexes[i].columns.iter().map(|c| c.column).collect(),
        };
        if cols.is_empty() || cols.iter().any(|c| *c >= n) {
            continue;
        }
        let mut eq = Vec::new();
        for &c in &cols {
            match eq_for(c) {
                Some(e) => eq.push(e),
                None => break,
            }
        }
        let unique = index.is_none_or(|i| t.indexes[i].unique);
        let mut score = eq.len() as u32 * 10;
        let mut lo = None;
        let mut hi = None;
        let mut in_list = None;
        if eq.len() == cols.len() {
            score += if unique { 1000 } else { 5 };
        } else {
            let next = cols[eq.len()];
            if let Some(l) = in_for(next) {
                in_list = Some(l);
                score += 8;
            } else {
                (lo, hi) = range_for(next);
                if lo.is_some() || hi.is_some() {
                    score += 4;
                }
            }
        }
        if index.is_none() {
            score += 1; // prefer the clustered key on ties: no second lookup
        }
        if score <= 1 {
            continue;
        }
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Path::Range {
                    index,
                    eq,
                    lo,
                    hi,
                    in_list,
                },
            ));
        }
    }
    best.map(|(_, p)| p).unwrap_or(Path::Full)
}

/// What a locking read along a path locks (InnoDB's record, gap and next-key locks, in
/// the terms of [`crate::storage::rowlock`]).
pub(crate) enum Locate {
    /// Whole keys of the primary key (`index` None) or of a unique index: each is locked
    /// found or missing (a missing one shared, the gap lock).
    Points {
        index: Option<usize>,
        keys: Vec<Vec<u8>>,
    },
    /// Ranges of the primary key or index tree `tree`: locked as ranges with the gaps
    /// around them (see [`crate::storage::Transaction::lock_range_read`]), then every row
    /// found in them.
    Ranges {
        tree: u64,
        ranges: Vec<(Bound<Bytes>, Bound<Bytes>)>,
        /// The ranges start at an included whole primary key: when it exists, that row is
        /// locked without the gap below it (InnoDB's clustered-index search).
        exact_start: bool,
        /// The first key past each range is locked too (a range, not an equality, over a
        /// non-unique index: InnoDB's next-key lock; on a unique index MySQL 8.0 locks only
        /// the gap before it).
        next_key: bool,
    },
}

/// What a locking read of `t` along `path` locks.
pub(crate) fn locate(t: &TableDef, path: &Path, outer: &[Value], cx: &EvalCx) -> SqlResult<Locate> {
    let ranges = key_ranges(t, path, outer, cx)?;
    let (index, ranges) = match (path, ranges) {
        (Path::Range { index, .. }, Some(r)) => (*index, r),
        _ => (
            None,
            key_ranges(t, &Path::Full, outer, cx)?.unwrap_or_default(),
        ),
    };
    if let Path::Range {
        eq,
        lo: None,
        hi: None,
        in_list,
        ..
    } = path
    {
        let (unique, cols) = match index {
            None => (!t.primary.is_empty(), &t.primary),
            Some(i) => (t.indexes[i].unique, &t.indexes[i].columns),
        };
        let whole = eq.len() + usize::from(in_list.is_some()) == cols.len();
        if unique && whole && cols.iter().all(|c| c.prefix.is_none()) {
            let keys = ranges
                .into_iter()
                .filter_map(|r| match r.lo {
                    Bound::Included(k) => Some(k.to_vec()),
                    _ => None,
                })
                .collect();
            return Ok(Locate::Points { index, keys });
        }
    }
    let tree = index.map_or(t.tree, |i| t.indexes[i].tree);
    let (exact_start, next_key) = match path {
        Path::Range { eq, lo, hi, .. } => {
            let unique = index.is_none_or(|i| t.indexes[i].unique);
            let whole_pk = index.is_none()
                && eq.len() + 1 == t.primary.len()
                && t.primary.iter().all(|c| c.prefix.is_none());
            (
                whole_pk && matches!(lo, Some((_, true))),
                !unique && (lo.is_some() || hi.is_some()),
            )
        }
        Path::Full => (false, false),
    };
    Ok(Locate::Ranges {
        tree,
        ranges: ranges.into_iter().map(|r| (r.lo, r.hi)).collect(),
        exact_start,
        next_key,
    })
}

/// One concrete byte range to read, built from a path and an outer row.
struct KeyRange {
    lo: Bound<Bytes>,
    hi: Bound<Bytes>,
}

fn key_ranges(
    t: &TableDef,
    path: &Path,
    outer: &[Value],
    cx: &EvalCx,
) -> SqlResult<Option<Vec<KeyRange>>> {
    let Path::Range {
        index,
        eq,
        lo,
        hi,
        in_list,
    } = path
    else {
        return Ok(Some(vec![KeyRange {
            lo: Bound::Unbounded,
            hi: Bound::Unbounded,
        }]));
    };
    let parts = key_parts(t, *index);
    let mut prefix = Vec::new();
    for (e, (_, kp)) in eq.iter().zip(&parts) {
        let v = e.eval(outer, cx)?;
        if v.is_null() {
            return Ok(Some(Vec::new())); // `col = NULL` matches nothing
        }
        if encode_part(&mut prefix, &v, kp).is_none() {
            return Ok(None);
        }
    }
    let next = parts.get(eq.len()).map(|p| &p.1);
    if let (Some(list), Some(kp)) = (in_list, next) {
        let mut out = Vec::new();
        let mut keys = Vec::new();
        for e in list {
            let v = e.eval(outer, cx)?;
            if v.is_null() {
                continue;
            }
            let mut k = prefix.clone();
            if encode_part(&mut k, &v, kp).is_none() {
                return Ok(None);
            }
            keys.push(k);
        }
        keys.sort();
        keys.dedup();
        for k in keys {
            let hi = match prefix_successor(&k) {
                Some(s) => Bound::Excluded(Bytes::from(s)),
                None => Bound::Unbounded,
            };
            out.push(KeyRange {
                lo: Bound::Included(Bytes::from(k)),
                hi,
            });
        }
        return Ok(Some(out));
    }
    let succ = |k: &[u8]| match prefix_successor(k) {
        Some(s) => Bound::Excluded(Bytes::from(s)),
        None => Bound::Unbounded,
    };
    let mut lo_b = Bound::Included(Bytes::from(prefix.clone()));
    let mut hi_b = succ(&prefix);
    if prefix.is_empty() {
        lo_b = Bound::Unbounded;
        hi_b = Bound::Unbounded;
    }
    if let Some(kp) = next {
        if let Some((e, incl)) = lo {
            let v = e.eval(outer, cx)?;
            if v.is_null() {
                return Ok(Some(Vec::new()));
            }
            let mut k = prefix.clone();
            if encode_part(&mut k, &v, kp).is_none() {
                return Ok(None);
            }
            lo_b = if *incl {
                Bound::Included(Bytes::from(k))
            } else {
                match prefix_successor(&k) {
                    Some(s) => Bound::Included(Bytes::from(s)),
                    None => return Ok(Some(Vec::new())),
                }
            };
        }
        if let Some((e, incl)) = hi {
            let v = e.eval(outer, cx)?;
            if v.is_null() {
                return Ok(Some(Vec::new()));
            }
            let mut k = prefix.clone();
            if encode_part(&mut k, &v, kp).is_none() {
                return Ok(None);
            }
            hi_b = if *incl {
                succ(&k)
            } else {
                Bound::Excluded(Bytes::from(k))
            };
        }
    }
    Ok(Some(vec![KeyRange { lo: lo_b, hi: hi_b }]))
}

/// Decodes a stored row of `t`.
pub fn decode(t: &TableDef, bytes: &[u8]) -> SqlResult<Vec<Value>> {
    Ok(decode_row(bytes, &t.types(), &t.defaults())?)
}

/// The comparison keys of many rows, for sorting and grouping them: row `i`'s key `j`
/// is `cells[i * width + j]`. Strings carry their collation sort key, computed once
/// into one shared buffer, so comparisons are byte comparisons; a key that is a column
/// borrows the row's value instead of copying it.
pub(crate) struct KeyTable<'r> {
    colls: Vec<Collation>,
    desc: Vec<bool>,
    cells: Vec<KeyCell<'r>>,
    bytes: Vec<u8>,
    rows: usize,
}

struct KeyCell<'r> {
    v: Cow<'r, Value>,
    /// The sort key's range in `KeyTable::bytes`, for a string under a collation.
    k: Option<(usize, usize)>,
}

impl<'r> KeyTable<'r> {
    pub(crate) fn new(colls: Vec<Collation>, desc: Vec<bool>, rows: usize) -> KeyTable<'r> {
        KeyTable {
            cells: Vec::with_capacity(rows * colls.len()),
            colls,
            desc,
            bytes: Vec::new(),
            rows: 0,
        }
    }

    fn push(&mut self, v: Cow<'r, Value>, coll: Collation) {
        let k = match v.as_ref() {
            Value::Bytes(b) if !coll.is_binary() => {
                let start = self.bytes.len();
                coll.sort_key_into(b, &mut self.bytes);
                Some((start, self.bytes.len()))
            }
            _ => None,
        };
        self.cells.push(KeyCell { v, k });
    }

    /// Appends the next row's keys: `keys` (one per collation) evaluated on `r`.
    pub(crate) fn push_row<'e>(
        &mut self,
        keys: impl Iterator<Item = &'e Expr>,
        r: &'r [Value],
        cx: &EvalCx,
    ) -> SqlResult<()> {
        for (j, e) in keys.enumerate() {
            let v = match e {
                Expr::Col(i) if *i < r.len() => Cow::Borrowed(&r[*i]),
                _ => Cow::Owned(e.eval(r, cx)?),
            };
            self.push(v, self.colls[j]);
        }
        self.rows += 1;
        Ok(())
    }

    /// Bytes of collation sort keys held.
    pub(crate) fn key_bytes(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn cmp_rows(&self, a: usize, b: usize) -> Ordering {
        self.cmp_keys(a, b, 0..self.colls.len())
    }

    /// Compares rows `a` and `b` on the keys in `keys` only.
    pub(crate) fn cmp_keys(&self, a: usize, b: usize, keys: std::ops::Range<usize>) -> Ordering {
        let w = self.colls.len();
        for j in keys {
            let (x, y) = (&self.cells[a * w + j], &self.cells[b * w + j]);
            let o = match (x.k, y.k) {
                (Some((xs, xe)), Some((ys, ye))) => self.bytes[xs..xe].cmp(&self.bytes[ys..ye]),
                _ => sort_cmp(&x.v, &y.v, self.colls[j]),
            };
            let o = if self.desc[j] { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// Whether key `j` sorts descending.
    pub(crate) fn desc_of(&self, j: usize) -> bool {
        self.desc[j]
    }

    /// The collation key `j` compares by.
    pub(crate) fn coll_of(&self, j: usize) -> Collation {
        self.colls[j]
    }

    /// Key `j` of row `r`.
    pub(crate) fn key(&self, r: usize, j: usize) -> &Value {
        &self.cells[r * self.colls.len() + j].v
    }

    /// Row numbers in key order; rows with equal keys keep their order.
    pub(crate) fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.rows).collect();
        order.sort_by(|&a, &b| self.cmp_rows(a, b));
        order
    }
}

impl<'a> Exec<'a> {
    /// Whether the planner may choose INVISIBLE indexes: the session's `optimizer_switch`
    /// has `use_invisible_indexes=on`.
    pub fn use_invisible_indexes(&mut self) -> bool {
        match self.session.system_var("optimizer_switch", None) {
            Ok(Value::Bytes(b)) => {
                super::vars::optimizer_flag(&String::from_utf8_lossy(&b), "use_invisible_indexes")
            }
            _ => false,
        }
    }

    /// The shared AUTO_INCREMENT and hidden-row-id counters.
    pub fn shared_counters(&self) -> (&Mutex<HashMap<u64, u64>>, &Mutex<HashMap<u64, u64>>) {
        (&self.shared.autoinc, &self.shared.rowid)
    }

    /// `SELECT * FROM t`, or `SELECT` of plain column names `FROM t`, of one base table
    /// and nothing else (what mysqldump sends for each table: MariaDB's names the
    /// columns): its columns, and its rows decoded from a cursor as the client reads
    /// them, instead of all of them first (a dump of millions of rows then holds a batch
    /// in memory, and the client reads while the server decodes). None for any other
    /// query, and inside a transaction that wrote to the table.
    pub fn stream_table(&mut self, q: &ast::Query) -> SqlResult<Option<(Vec<OutColumn>, RowIter)>> {
        // Cheap checks first: every COM_QUERY SELECT comes here.
        let ast::SetExpr::Select(s) = q.body.as_ref() else {
            return Ok(None);
        };
        if s.selection.is_some() || s.from.len() != 1 || !s.from[0].joins.is_empty() {
            return Ok(None);
        }
        let wildcard = matches!(s.projection.as_slice(), [ast::SelectItem::Wildcard(_)]);
        let named = s
            .projection
            .iter()
            .all(|item| matches!(item, ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(_))));
        if !wildcard && !named {
            return Ok(None);
        }
        // The rendered query has every clause it holds: this is exactly `SELECT`
        // (or mysqldump's `SELECT /*!40001 SQL_NO_CACHE */`), the projection, `FROM`
        // and a name.
        let text = q.to_string();
        let projection = projection_text(s);
        let Some(rest) = text
            .strip_prefix("SELECT ")
            .map(|r| r.strip_prefix("SQL_NO_CACHE ").unwrap_or(r))
            .and_then(|r| r.strip_prefix(projection.as_str()))
            .and_then(|r| r.strip_prefix(" FROM "))
        else {
            return Ok(None);
        };
        if !is_plain_table_name(rest) {
            return Ok(None);
        }
        let Some(ast::TableFactor::Table { name, .. }) = s.from.first().map(|f| &f.relation) else {
            return Ok(None);
        };
        let schema = name.0.first().and_then(|p| p.as_ident());
        if (name.0.len() == 2
            && schema.is_some_and(|i| i.value.eq_ignore_ascii_case("information_schema")))
            || self.view(name).is_some()
        {
            return Ok(None);
        }
        let Ok(t) = self.table(name) else {
            return Ok(None);
        };
        if self.read_limited(name) {
            // Column privileges: the general path checks each column.
            return Ok(None);
        }
        self.may_read(name)?;
        if matches!(&self.reader, Reader::Tx(tx) if tx.writes_tree(t.tree)) {
            return Ok(None);
        }
        // The stored columns of the select list; None: the whole row.
        let picks = if wildcard {
            if t.columns.iter().any(|c| c.invisible) {
                // `*` leaves the INVISIBLE columns out: the general path.
                return Ok(None);
            }
            None
        } else {
            let names = s.projection.iter().filter_map(|item| match item {
                ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(id)) => Some(id.value.as_str()),
                _ => None,
            });
            // A name that is no column (an error, or a name from elsewhere): the general
            // path says so.
            let Some(picks) = Picks::by_name(&t, names) else {
                return Ok(None);
            };
            Some(picks).filter(|p| !p.is_whole_row())
        };
        // The columns as the query reports them (checks and all), without reading rows.
        self.describe = true;
        let described = self.query(q);
        self.describe = false;
        let columns = described?.columns;
        if columns.len() != picks.as_ref().map_or(t.columns.len(), Picks::len) {
            return Ok(None);
        }
        let (types, defaults) = (t.types(), t.defaults());
        let cursor = self
            .reader
            .range(t.tree, Bound::Unbounded, Bound::Unbounded, false)?;
        let interrupt = self.cx.interrupt.clone();
        let deadline = self.cx.deadline;
        let mut read = 0u32;
        let rows = cursor.map(move |kv| {
            interrupt.check()?;
            read = read.wrapping_add(1);
            if read.is_multiple_of(64) && deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Err(super::expr::max_execution_time_exceeded());
            }
            let (_, v) = kv?;
            match &picks {
                None => Ok(decode_row(&v, &types, &defaults)?),
                Some(p) => p.decode(&v, &types, &defaults),
            }
        });
        Ok(Some((columns, Box::new(rows))))
    }

    /// Resolves a table name against the current database.
    pub fn table(&self, name: &ast::ObjectName) -> SqlResult<Arc<TableDef>> {
        let (db, t) = qualified_name(name, self.session.current_db(), "table")?;
        self.table_by(&db, &t)
    }

    /// SELECT on the table or view `name` names, with the privileges in force (1142).
    pub fn may_read(&self, name: &ast::ObjectName) -> SqlResult<()> {
        self.may(privs::SELECT, "SELECT", name)
    }

    /// `need` (one bit: SELECT, INSERT, UPDATE) on table `name`, held on the table or
    /// on some of its columns (each column is then checked where the statement touches
    /// it), else 1142 naming `cmd`.
    pub fn may_some(&self, need: u32, cmd: &str, name: &ast::ObjectName) -> SqlResult<()> {
        if self.security.is_unrestricted() {
            return Ok(());
        }
        match qualified_name(name, self.session.current_db(), "table") {
            Ok((db, t)) => self.security.table_or_columns(need, need, cmd, &db, &t),
            Err(_) => Ok(()),
        }
    }

    /// Whether reading `name` is limited to some columns (column privileges only).
    fn read_limited(&self, name: &ast::ObjectName) -> bool {
        !self.security.is_unrestricted()
            && qualified_name(name, self.session.current_db(), "table").is_ok_and(|(db, t)| {
                self.security
                    .column_limits(privs::SELECT, &db, &t)
                    .is_some()
            })
    }

    /// Marks the columns of table `t` in `cols` (its columns, in order) that the
    /// privileges in force may not read ([`ScopeCol::denied`]).
    pub fn mark_unreadable(&self, cols: &mut [ScopeCol], t: &TableDef) {
        self.mark_unreadable_of(cols, &t.db, &t.name);
    }

    /// [`Self::mark_unreadable`] for the columns of table or view `db`.`name`.
    pub fn mark_unreadable_of(&self, cols: &mut [ScopeCol], db: &str, name: &str) {
        mark_unreadable_by(&self.security, cols, db, name);
    }

    /// `need` (one bit) on each of the columns `cols` of `t` (1143), unless held on the
    /// whole table.
    pub fn may_columns(&self, need: u32, cmd: &str, t: &TableDef, cols: &[&str]) -> SqlResult<()> {
        if self.security.is_unrestricted() {
            return Ok(());
        }
        self.security.columns(need, cmd, &t.db, &t.name, cols)
    }

    /// `need` on the table or view `name` names, with the privileges in force (1142
    /// naming `cmd`); a name without a database and none selected is left to the
    /// lookup's 1046.
    pub fn may(&self, need: u32, cmd: &str, name: &ast::ObjectName) -> SqlResult<()> {
        if self.security.is_unrestricted() {
            return Ok(());
        }
        match qualified_name(name, self.session.current_db(), "table") {
            Ok((db, t)) => self.security.table(need, cmd, &db, &t),
            Err(_) => Ok(()),
        }
    }

    /// Runs `f` with `sec`'s privileges in force (a body with SQL SECURITY DEFINER).
    pub fn with_security<T>(
        &mut self,
        sec: super::privilege::Security,
        f: impl FnOnce(&mut Self) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let saved = std::mem::replace(&mut self.security, sec);
        let out = f(self);
        self.security = saved;
        out
    }

    /// The view `name` names, if it is one.
    pub fn view(&self, name: &ast::ObjectName) -> Option<Arc<super::catalog::ViewDef>> {
        let (db, t) = qualified_name(name, self.session.current_db(), "table").ok()?;
        self.catalog.view(&db, &t).cloned()
    }

    /// Hands the user variables the statement assigned (`@v := e`) to the session; the
    /// assignments made before an error stay, as in MySQL.
    pub fn keep_user_vars(&mut self) {
        let assigned = std::mem::take(&mut *self.cx.user_vars.borrow_mut());
        for (name, v) in assigned {
            self.session.set_user_var(&name, v);
        }
    }

    /// The result columns of `q`, without running it.
    pub fn describe_query(&mut self, q: &ast::Query) -> SqlResult<RowSet> {
        let saved = std::mem::replace(&mut self.describe, true);
        let rs = self.query(q);
        self.describe = saved;
        rs
    }

    /// Runs a view's SELECT (or describes it) as the rows of a derived table.
    pub fn view_rows(&mut self, v: &super::catalog::ViewDef) -> SqlResult<RowSet> {
        thread_local!(static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
        let depth = DEPTH.with(|d| d.get());
        if depth >= 32 {
            return Err(SqlError::new(
                1462,
                format!("`{}`.`{}` contains view recursion", v.db, v.name),
            ));
        }
        let parsed =
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::MySqlDialect {}, &v.query);
        let q = match parsed.ok().and_then(|mut s| s.pop()) {
            Some(ast::Statement::Query(q)) => q,
            _ => {
                return Err(SqlError::new(
                    1356,
                    format!(
                        "View '{}.{}' references invalid table(s) or column(s) or function(s) or definer/invoker of view lack rights to use them",
                        v.db, v.name
                    ),
                ))
            }
        };
        // The view's query reads with its definer's privileges (SQL SECURITY DEFINER)
        // or the reader's (INVOKER); a definer that lacks them is 1356, as MySQL.
        let sec = self.security.for_body(&v.definer, &v.security)?;
        DEPTH.with(|d| d.set(depth + 1));
        // Unaliased columns are named from the view's own text.
        let text = std::mem::replace(&mut self.text, Arc::from(v.query.as_str()));
        let rs = self
            .with_security(sec, |ex| ex.without_ctes(|ex| ex.query(&q)))
            .map_err(|e| {
            if e.code == 1142 {
                SqlError::new(
                    1356,
                    format!(
                        "View '{}.{}' references invalid table(s) or column(s) or function(s) or definer/invoker of view lack rights to use them",
                        v.db, v.name
                    ),
                )
            } else {
                e
            }
        });
        self.text = text;
        DEPTH.with(|d| d.set(depth));
        let mut rs = rs?;
        for (c, n) in rs.columns.iter_mut().zip(&v.columns) {
            c.name = n.clone();
            c.org_name = n.clone();
        }
        for c in &mut rs.columns {
            c.table = v.name.clone();
            c.org_table = v.name.clone();
            c.db = v.db.clone();
        }
        Ok(rs)
    }

    pub fn table_by(&self, db: &str, t: &str) -> SqlResult<Arc<TableDef>> {
        if let Some(t) = self.catalog.table(db, t) {
            return Ok(t.clone());
        }
        if self.catalog.view(db, t).is_some() {
            // Views are read-only here: writes, DDL and CHECKSUM on one say so.
            return Err(SqlError::new(1347, format!("'{db}.{t}' is not BASE TABLE")));
        }
        Err(SqlError::new(
            1146,
            format!("Table '{db}.{t}' doesn't exist"),
        ))
    }

    /// Whether reads pass over row `pk` of `tree` ([`Exec::skip`]).
    fn skipped(&self, tree: u64, pk: &[u8]) -> bool {
        self.skip.get(&tree).is_some_and(|keys| keys.contains(pk))
    }

    /// Reads the rows of `t` along `path`, calling `f` with `(pk key, row)`;
    /// `f` returns false to stop. `outer` feeds key expressions.
    pub fn scan(
        &self,
        t: &TableDef,
        path: &Path,
        outer: &[Value],
        reverse: bool,
        f: &mut dyn FnMut(&[u8], Vec<Value>) -> SqlResult<bool>,
    ) -> SqlResult<()> {
        self.scan_columns(t, path, outer, reverse, None, f)
    }

    /// [`Exec::scan`] that decodes only the columns named in `names` (see
    /// [`referenced_columns`]); the others read as NULL. `None` decodes them all.
    pub(crate) fn scan_columns(
        &self,
        t: &TableDef,
        path: &Path,
        outer: &[Value],
        reverse: bool,
        names: Option<&[String]>,
        f: &mut dyn FnMut(&[u8], Vec<Value>) -> SqlResult<bool>,
    ) -> SqlResult<()> {
        if self.describe {
            return Ok(());
        }
        let pending = match &self.join_reads {
            Some(log) => {
                let mut log = log.borrow_mut();
                let p = log.access(t, path, outer, &self.cx)?;
                self.cx.mem.charge(log.take_grown())?;
                p
            }
            None => None,
        };
        let logged = |pk: &[u8]| -> SqlResult<()> {
            if let Some(log) = &self.join_reads {
                let mut log = log.borrow_mut();
                log.row(t.tree, pk);
                self.cx.mem.charge(log.take_grown())?;
            }
            Ok(())
        };
        let (index, mut ranges) = match key_ranges(t, path, outer, &self.cx)? {
            Some(ranges) => match path {
                Path::Range { index, .. } => (*index, ranges),
                Path::Full => (None, ranges),
            },
            None => (
                None,
                key_ranges(t, &Path::Full, outer, &self.cx)?.unwrap_or_default(),
            ),
        };
        if reverse {
            ranges.reverse();
        }
        let types = t.types();
        let defaults = t.defaults();
        let wanted: Option<Vec<bool>> = names.map(|names| {
            t.columns
                .iter()
                .map(|c| names.iter().any(|n| n.eq_ignore_ascii_case(&c.name)))
                .collect()
        });
        let decode = |_: &TableDef, b: &[u8]| -> SqlResult<Vec<Value>> {
            Ok(decode_row_columns(b, &types, &defaults, wanted.as_deref())?)
        };
        // Where `f` asked to stop: the range (in reading order) and the key read last.
        let mut stop: Option<(usize, Vec<u8>)> = None;
        'ranges: for (n, r) in ranges.into_iter().enumerate() {
            match index {
                None => {
                    let mut at = None;
                    self.reader.scan(t.tree, r.lo, r.hi, reverse, &mut |k, v| {
                        self.cx.check()?;
                        if self.skipped(t.tree, k) {
                            return Ok(true);
                        }
                        logged(k)?;
                        let go = f(k, decode(t, v)?)?;
                        if !go {
                            at = Some(k.to_vec());
                        }
                        Ok(go)
                    })?;
                    if let Some(k) = at {
                        stop = Some((n, k));
                        break 'ranges;
                    }
                }
                Some(i) => {
                    let itree = t.indexes[i].tree;
                    for kv in self.reader.range(itree, r.lo, r.hi, reverse)? {
                        let (ik, pk) = kv?;
                        self.cx.check()?;
                        if self.skipped(t.tree, &pk) {
                            continue;
                        }
                        let Some(row) = self.reader.get(t.tree, &pk)? else {
                            return Err(SqlError::new(
                                1105,
                                format!(
                                    "index {} of {}.{} points at a missing row",
                                    t.indexes[i].name, t.db, t.name
                                ),
                            ));
                        };
                        logged(&pk)?;
                        if !f(&pk, decode(t, &row)?)? {
                            stop = Some((n, ik.to_vec()));
                            break 'ranges;
                        }
                    }
                }
            }
        }
        if let (Some(log), Some(p)) = (&self.join_reads, pending) {
            let mut log = log.borrow_mut();
            log.ranges_read(p, stop, reverse);
            self.cx.mem.charge(log.take_grown())?;
        }
        Ok(())
    }

    /// Computes every registered correlated subquery for the outer row `row`
    /// (its outer references replaced by the row's values) into `cx.corr_values`.
    pub(crate) fn eval_correlated(&mut self, row: &[Value]) -> SqlResult<()> {
        if self.corr.is_empty() || self.describe {
            return Ok(());
        }
        let specs = self.corr.clone();
        let mut vals = Vec::with_capacity(specs.len());
        for spec in &specs {
            if let CorrKind::Call { routine, args } = &spec.kind {
                let argv = args
                    .iter()
                    .map(|a| a.eval(row, &self.cx))
                    .collect::<SqlResult<Vec<_>>>()?;
                let saved = std::mem::take(&mut self.corr);
                let v = self.call_function(routine, argv);
                self.corr = saved;
                vals.push(v?);
                continue;
            }
            let q = self.substitute_outer(&spec.query, &spec.outer, row);
            let saved = std::mem::take(&mut self.corr);
            let res = self.query(&q);
            self.corr = saved;
            let rows = res?.rows;
            vals.push(match &spec.kind {
                CorrKind::Exists { negated } => Value::Int(i64::from(rows.is_empty() == *negated)),
                CorrKind::Call { .. } => Value::Null,
                CorrKind::Scalar => {
                    if rows.len() > 1 {
                        return Err(SqlError::new(1242, "Subquery returns more than 1 row"));
                    }
                    match rows.into_iter().next() {
                        None => Value::Null,
                        Some(r) if r.len() == 1 => r.into_iter().next().unwrap_or(Value::Null),
                        Some(_) => {
                            return Err(SqlError::new(1241, "Operand should contain 1 column(s)"))
                        }
                    }
                }
                CorrKind::Quantified {
                    lhs,
                    op,
                    all,
                    collation,
                } => {
                    if rows.iter().any(|r| r.len() != 1) {
                        return Err(SqlError::new(1241, "Operand should contain 1 column(s)"));
                    }
                    let v = lhs.eval(row, &self.cx)?;
                    super::expr::quantified(&v, *op, *all, rows.iter().map(|r| &r[0]), *collation)
                }
            });
        }
        *self.cx.corr_values.borrow_mut() = Some(vals);
        Ok(())
    }

    /// Replaces, in a correlated subquery, every reference to the outer query's
    /// columns by the outer row's value. A name the subquery's own tables
    /// define stays (inner names shadow outer ones, as in SQL).
    fn substitute_outer(&self, q: &ast::Query, outer: &Scope, row: &[Value]) -> ast::Query {
        let mut inner_aliases: Vec<String> = Vec::new();
        let mut inner_cols: Vec<String> = Vec::new();
        if let ast::SetExpr::Select(sel) = q.body.as_ref() {
            for twj in &sel.from {
                for f in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
                {
                    if let ast::TableFactor::Table { name, alias, .. } = f {
                        let parts: Vec<String> = name
                            .0
                            .iter()
                            .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                            .collect();
                        let (db, t) = match parts.as_slice() {
                            [t] => (self.session.current_db().unwrap_or_default(), t.clone()),
                            [d, t] => (d.clone(), t.clone()),
                            _ => continue,
                        };
                        inner_aliases.push(
                            alias
                                .as_ref()
                                .map(|a| a.name.value.clone())
                                .unwrap_or_else(|| t.clone()),
                        );
                        if let Some(cols) = self.cte_columns(name) {
                            inner_cols.extend(cols.iter().map(|c| c.to_ascii_lowercase()));
                        } else if let Some(def) = self.catalog.table(&db, &t) {
                            inner_cols
                                .extend(def.columns.iter().map(|c| c.name.to_ascii_lowercase()));
                        }
                    }
                }
            }
        }
        let mut q = q.clone();
        let _ = ast::visit_expressions_mut(&mut q, |e: &mut ast::Expr| {
            let names: Option<Vec<String>> = match e {
                ast::Expr::Identifier(i)
                    if !i.value.starts_with('@')
                        && !inner_cols.contains(&i.value.to_ascii_lowercase()) =>
                {
                    Some(vec![i.value.clone()])
                }
                ast::Expr::CompoundIdentifier(p)
                    if p.len() >= 2 && !p[0].value.starts_with('@') =>
                {
                    let t = &p[p.len() - 2].value;
                    if inner_aliases.iter().any(|a| a == t) {
                        None
                    } else {
                        Some(p.iter().map(|i| i.value.clone()).collect())
                    }
                }
                _ => None,
            };
            if let Some(names) = names {
                if let Ok(i) = outer.resolve(&names, "where clause") {
                    *e = value_literal(row.get(i).unwrap_or(&Value::Null));
                }
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        q
    }

    /// Runs a query whose rows may go to `sink` as they are produced: a SELECT whose rows
    /// need nothing after WHERE but its select list and LIMIT (no GROUP BY, aggregate,
    /// window, DISTINCT, HAVING, ORDER BY or correlated subquery in the select list)
    /// sends them there and holds none; any other query answers its rows as
    /// [`Exec::query`] does, and `sink` is not called.
    pub fn query_into(&mut self, q: &ast::Query, sink: &mut dyn RowSink) -> SqlResult<RowSet> {
        self.query_to(q, Some(sink))
    }

    /// Runs a query (SELECT, UNION, VALUES).
    pub fn query(&mut self, q: &ast::Query) -> SqlResult<RowSet> {
        self.query_to(q, None)
    }

    fn query_to(&mut self, q: &ast::Query, sink: Option<&mut dyn RowSink>) -> SqlResult<RowSet> {
        if let Some(with) = &q.with {
            return self.with_ctes(with, q);
        }
        let (mut order, limit, offset) = self.order_limit(q)?;
        match q.body.as_ref() {
            ast::SetExpr::Select(s) => {
                if order.is_empty() {
                    order.extend(super::fulltext::relevance_order(s));
                }
                let sink = sink.filter(|_| s.into.is_none());
                self.select_to(s, &order, limit, offset, sink)
            }
            ast::SetExpr::Query(inner) => {
                let mut rs = self.query(inner)?;
                self.finish_simple(&mut rs, &order, limit, offset)?;
                Ok(rs)
            }
            ast::SetExpr::SetOperation {
                op,
                set_quantifier,
                left,
                right,
            } => {
                let mut rs = self.set_operation(op, set_quantifier, left, right)?;
                self.finish_simple(&mut rs, &order, limit, offset)?;
                Ok(rs)
            }
            ast::SetExpr::Table(t) => {
                // `TABLE t` is `SELECT * FROM t` (MySQL 8.0.19).
                let Some(name) = &t.table_name else {
                    return Err(SqlError::new(1064, "TABLE needs a table name"));
                };
                let mut parts = Vec::new();
                if let Some(db) = &t.schema_name {
                    parts.push(ast::ObjectNamePart::Identifier(ast::Ident::new(db)));
                }
                parts.push(ast::ObjectNamePart::Identifier(ast::Ident::new(name)));
                let mut rs = self.table_query(ast::ObjectName(parts))?;
                self.finish_simple(&mut rs, &order, limit, offset)?;
                Ok(rs)
            }
            ast::SetExpr::Values(v) => {
                let mut rows = Vec::new();
                for (k, r) in v.rows.iter().enumerate() {
                    let mut out = Vec::new();
                    for e in &r.content {
                        out.push(self.const_expr(e)?);
                    }
                    if k > 0 && out.len() != rows.first().map_or(0, Vec::len) {
                        return Err(SqlError::new(
                            1136,
                            format!("Column count doesn't match value count at row {}", k + 1),
                        ));
                    }
                    self.cx.mem.charge_row(&out)?;
                    rows.push(out);
                }
                let n = rows.first().map_or(0, Vec::len);
                let columns = (0..n)
                    .map(|i| OutColumn::expr(&format!("column_{i}"), None))
                    .collect();
                Ok(RowSet { columns, rows })
            }
            other => Err(SqlError::new(
                1235,
                format!("This version of Borealis doesn't yet support '{other}'"),
            )),
        }
    }

    /// `SELECT * FROM name` (`TABLE name`).
    fn table_query(&mut self, name: ast::ObjectName) -> SqlResult<RowSet> {
        let parsed = sqlparser::parser::Parser::parse_sql(
            &sqlparser::dialect::MySqlDialect {},
            "SELECT * FROM t",
        );
        let Some(ast::Statement::Query(mut q)) = parsed.ok().and_then(|mut v| v.pop()) else {
            return Err(SqlError::new(1105, "internal error: SELECT * FROM t"));
        };
        if let ast::SetExpr::Select(s) = q.body.as_mut() {
            if let Some(ast::TableFactor::Table { name: n, .. }) =
                s.from.first_mut().map(|f| &mut f.relation)
            {
                *n = name;
            }
        }
        self.query(&q)
    }

    pub(crate) fn set_expr(&mut self, e: &ast::SetExpr) -> SqlResult<RowSet> {
        match e {
            ast::SetExpr::Select(s) => self.select(s, &[], None, 0),
            ast::SetExpr::Query(q) => self.query(q),
            other => {
                let q = ast::Query {
                    with: None,
                    body: Box::new(other.clone()),
                    order_by: None,
                    limit_clause: None,
                    fetch: None,
                    locks: vec![],
                    for_clause: None,
                    settings: None,
                    format_clause: None,
                    pipe_operators: vec![],
                };
                self.query(&q)
            }
        }
    }

    /// Evaluates an expression that reads no columns.
    pub fn const_expr(&mut self, e: &ast::Expr) -> SqlResult<Value> {
        let scope = Scope::default();
        let (x, _) = Binder {
            scope: &scope,
            env: self,
            aggs: None,
            agg_base: 0,
            clause: "field list",
        }
        .bind(e)?;
        x.eval(&[], &self.cx)
    }

    pub(crate) fn order_limit(
        &mut self,
        q: &ast::Query,
    ) -> SqlResult<(Vec<ast::OrderByExpr>, Option<u64>, u64)> {
        let order = match &q.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(v) => v.clone(),
                ast::OrderByKind::All(_) => {
                    return Err(SqlError::new(1064, "ORDER BY ALL is not MySQL syntax"))
                }
            },
            None => Vec::new(),
        };
        let (limit, offset) = match &q.limit_clause {
            None => (None, 0),
            Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
                let l = match limit {
                    Some(e) => Some(self.count_value(e)?),
                    None => None,
                };
                let o = match offset {
                    Some(o) => self.count_value(&o.value)?,
                    None => 0,
                };
                (l, o)
            }
            Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => {
                (Some(self.count_value(limit)?), self.count_value(offset)?)
            }
        };
        Ok((order, limit, offset))
    }

    fn count_value(&mut self, e: &ast::Expr) -> SqlResult<u64> {
        match self.const_expr(e)? {
            Value::Int(i) if i >= 0 => Ok(i as u64),
            Value::UInt(u) => Ok(u),
            other => Err(SqlError::new(
                1210,
                format!("Incorrect arguments to LIMIT: {other:?}"),
            )),
        }
    }

    /// ORDER BY/LIMIT over an already computed result (UNION, subquery).
    fn finish_simple(
        &mut self,
        rs: &mut RowSet,
        order: &[ast::OrderByExpr],
        limit: Option<u64>,
        offset: u64,
    ) -> SqlResult<()> {
        if !order.is_empty() {
            let scope = Scope {
                cols: rs
                    .columns
                    .iter()
                    .map(|c| ScopeCol {
                        table: String::new(),
                        db: String::new(),
                        org_table: String::new(),
                        name: c.name.clone(),
                        ty: c.ty.clone(),
                        nullable: true,
                        denied: None,
                        hidden: false,
                    })
                    .collect(),
            };
            let mut keys = Vec::new();
            let lit_coll = self.session.literal_collation();
            for o in order {
                let (e, coll) = match &o.expr {
                    ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                        let n = self.count_value(&o.expr)? as usize;
                        if n == 0 || n > rs.columns.len() {
                            return Err(SqlError::new(
                                1054,
                                format!("Unknown column '{n}' in 'order clause'"),
                            ));
                        }
                        (Expr::Col(n - 1), out_collation(&rs.columns[n - 1]))
                    }
                    other => {
                        let (e, ty) = Binder {
                            scope: &scope,
                            env: self,
                            aggs: None,
                            agg_base: 0,
                            clause: "order clause",
                        }
                        .bind(other)?;
                        (e, type_collation(&ty, lit_coll))
                    }
                };
                keys.push(SortSpec {
                    e,
                    desc: o.options.sort == Some(ast::OrderBySort::Desc),
                    coll,
                });
            }
            rs.rows = sort_rows(
                std::mem::take(&mut rs.rows),
                &keys,
                SortMode::Sort,
                limit.map(|l| l.saturating_add(offset)),
                &self.cx,
            )?;
        }
        apply_limit(&mut rs.rows, limit, offset);
        Ok(())
    }

    /// Builds the scope and rows of the FROM clause.
    pub(crate) fn build_from(
        &mut self,
        from: &[ast::TableWithJoins],
        where_conj: &[ast::Expr],
        names: Option<&[String]>,
        straight: bool,
    ) -> SqlResult<(Scope, Vec<Vec<Value>>)> {
        let (scope, rows) = self.plan_from(from, where_conj, names, straight)?;
        let rows = match rows {
            FromRows::Rows(rows) => rows,
            FromRows::Join(j) => self.collect_inner(&j)?,
        };
        Ok((scope, rows))
    }

    /// [`Exec::build_from`] that leaves an all-inner FROM clause planned, not run: its
    /// rows can then stream into a consumer ([`Exec::select`]).
    pub(crate) fn plan_from(
        &mut self,
        from: &[ast::TableWithJoins],
        where_conj: &[ast::Expr],
        names: Option<&[String]>,
        straight: bool,
    ) -> SqlResult<(Scope, FromRows)> {
        if from.is_empty() {
            return Ok((Scope::default(), FromRows::Rows(vec![Vec::new()])));
        }
        // Flatten comma joins into inner joins. A comma binds less tightly than JOIN (as
        // in MySQL): in `a, b JOIN c ON …` the ON sees only b and c, and a RIGHT JOIN there
        // keeps the rows of c, not of a × c; so such a later item becomes a nested join.
        let nested: Vec<Option<ast::TableFactor>> = from
            .iter()
            .enumerate()
            .map(|(i, twj)| {
                (i > 0 && !twj.joins.is_empty()).then(|| ast::TableFactor::NestedJoin {
                    table_with_joins: Box::new(twj.clone()),
                    alias: None,
                })
            })
            .collect();
        let mut items: Vec<(&ast::TableFactor, Option<&ast::JoinOperator>)> = Vec::new();
        for (i, twj) in from.iter().enumerate() {
            let cross = (i > 0).then_some(&ast::JoinOperator::CrossJoin(ast::JoinConstraint::None));
            if let Some(n) = &nested[i] {
                items.push((n, cross));
                continue;
            }
            items.push((&twj.relation, cross));
            for j in &twj.joins {
                items.push((&j.relation, Some(&j.join_operator)));
            }
        }
        // EXPLAIN's record of the steps: this FROM's only, not those of nested ones.
        let mut trace = self.trace.take();
        if !straight {
            if let Some((scope, join, steps)) = self.plan_inner(&items, where_conj, names)? {
                if let Some(t) = trace.as_mut() {
                    t.extend(steps);
                }
                self.trace = trace;
                return Ok((scope, FromRows::Join(join)));
            }
        }
        let mut scope = Scope::default();
        let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
        for (factor, op) in items {
            let base = scope.cols.len();
            let source = self.factor(factor)?;
            scope.cols.extend(source.cols.iter().cloned());
            // Outer joins make the optional side nullable.
            match op {
                Some(ast::JoinOperator::Left(_) | ast::JoinOperator::LeftOuter(_)) => {
                    scope.cols[base..]
                        .iter_mut()
                        .for_each(|c| c.nullable = true);
                }
                Some(ast::JoinOperator::Right(_) | ast::JoinOperator::RightOuter(_)) => {
                    scope.cols[..base]
                        .iter_mut()
                        .for_each(|c| c.nullable = true);
                }
                _ => {}
            }
            // Conjuncts usable here: WHERE ones (for inner joins) and ON ones.
            let (on, kind) = match op {
                None => (None, JoinKind::Inner),
                Some(op) => {
                    use ast::JoinOperator as J;
                    let (c, k) = match op {
                        J::Join(c) | J::Inner(c) => (c, JoinKind::Inner),
                        J::CrossJoin(c) | J::StraightJoin(c) => (c, JoinKind::Inner),
                        J::Left(c) | J::LeftOuter(c) => (c, JoinKind::Left),
                        J::Right(c) | J::RightOuter(c) => (c, JoinKind::Right),
                        other => {
                            return Err(SqlError::new(
                                1235,
                                format!(
                                "This version of Borealis doesn't yet support '{other:?}' joins"
                            ),
                            ))
                        }
                    };
                    let on = match c {
                        ast::JoinConstraint::On(e) => Some(e.clone()),
                        ast::JoinConstraint::None => None,
                        ast::JoinConstraint::Using(cols) => {
                            // a USING (c) = left.c = right.c
                            let mut acc: Option<ast::Expr> = None;
                            for c in cols {
                                let name = c.to_string();
                                let l = scope.cols[..base]
                                    .iter()
                                    .rev()
                                    .find(|x| x.name.eq_ignore_ascii_case(&name))
                                    .map(|x| x.table.clone());
                                let r = source.alias.clone();
                                let (Some(l), r) = (l, r) else {
                                    return Err(SqlError::new(
                                        1054,
                                        format!("Unknown column '{name}' in 'from clause'"),
                                    ));
                                };
                                let eq = ast::Expr::BinaryOp {
                                    left: Box::new(ast::Expr::CompoundIdentifier(vec![
                                        ast::Ident::new(l),
                                        ast::Ident::new(&name),
                                    ])),
                                    op: ast::BinaryOperator::Eq,
                                    right: Box::new(ast::Expr::CompoundIdentifier(vec![
                                        ast::Ident::new(r),
                                        ast::Ident::new(&name),
                                    ])),
                                };
                                acc = Some(match acc {
                                    None => eq,
                                    Some(a) => ast::Expr::BinaryOp {
                                        left: Box::new(a),
                                        op: ast::BinaryOperator::And,
                                        right: Box::new(eq),
                                    },
                                });
                            }
                            acc
                        }
                        ast::JoinConstraint::Natural => {
                            return Err(SqlError::new(
                                1235,
                                "This version of Borealis doesn't yet support 'NATURAL JOIN'",
                            ));
                        }
                    };
                    (on, k)
                }
            };
            let mut conj = Vec::new();
            if let Some(on) = &on {
                let (e, _) = Binder {
                    scope: &scope,
                    env: self,
                    aggs: None,
                    agg_base: 0,
                    clause: "on clause",
                }
                .bind(on)?;
                conjuncts(&e, &mut conj);
            }
            let on_filter = conj.clone();
            // A correlated subquery's value exists only per joined row: no access path
            // from it.
            conj.retain(|e| !has_corr(e));
            if kind == JoinKind::Inner {
                for w in where_conj.iter().filter(|w| !has_subquery(w)) {
                    if let Ok((e, _)) = (Binder {
                        scope: &scope,
                        env: self,
                        aggs: None,
                        agg_base: 0,
                        clause: "where clause",
                    })
                    .bind(w)
                    {
                        if e.max_col().is_none_or(|m| m < scope.cols.len()) {
                            conj.push(e);
                        }
                    }
                }
            }
            let mut next = Vec::new();
            match (&source.table, kind) {
                (Some(_), JoinKind::Inner | JoinKind::Left) => {
                    let types: Vec<_> = scope.cols.iter().map(|c| c.ty.clone()).collect();
                    let (joined, step) = self.join_step(
                        std::mem::take(&mut rows),
                        &source,
                        base,
                        &conj,
                        &on_filter,
                        kind,
                        names,
                        &types,
                    )?;
                    if let Some(t) = trace.as_mut() {
                        t.push(step);
                    }
                    next = joined;
                }
                (_, _) => {
                    if let Some(t) = trace.as_mut() {
                        t.push(super::join::JoinTrace {
                            table: source.table.clone(),
                            alias: source.alias.clone(),
                            path: Path::Full,
                            hash: false,
                            filtered: !on_filter.is_empty(),
                        });
                    }
                    let inner_rows = match &source.table {
                        Some(t) => {
                            let mut v = Vec::new();
                            let mut err = None;
                            self.scan_columns(t, &Path::Full, &[], false, names, &mut |_, r| {
                                if let Err(e) = self.cx.mem.charge_row(&r) {
                                    err = Some(e);
                                    return Ok(false);
                                }
                                v.push(r);
                                Ok(true)
                            })?;
                            if let Some(e) = err {
                                return Err(e);
                            }
                            v
                        }
                        None => {
                            self.cx.mem.charge_rows(&source.rows)?;
                            source.rows.clone()
                        }
                    };
                    // Every row kept is charged to the statement's memory account and
                    // every pair tried checks KILL and max_execution_time.
                    if kind == JoinKind::Right {
                        for r in &inner_rows {
                            let mut matched = false;
                            for outer in &rows {
                                self.cx.check()?;
                                let mut full = outer.clone();
                                full.extend(r.iter().cloned());
                                if self.on_pass_correlated(&on_filter, &full)? {
                                    matched = true;
                                    self.cx.mem.charge_row(&full)?;
                                    next.push(full);
                                }
                            }
                            if !matched {
                                let mut full: Vec<Value> =
                                    std::iter::repeat_n(Value::Null, base).collect();
                                full.extend(r.iter().cloned());
                                self.cx.mem.charge_row(&full)?;
                                next.push(full);
                            }
                        }
                    } else {
                        for outer in &rows {
                            let mut matched = false;
                            for r in &inner_rows {
                                self.cx.check()?;
                                let mut full = outer.clone();
                                full.extend(r.iter().cloned());
                                if self.on_pass_correlated(&on_filter, &full)? {
                                    matched = true;
                                    self.cx.mem.charge_row(&full)?;
                                    next.push(full);
                                }
                            }
                            if !matched && kind == JoinKind::Left {
                                let mut full = outer.clone();
                                full.extend(std::iter::repeat_n(Value::Null, source.cols.len()));
                                self.cx.mem.charge_row(&full)?;
                                next.push(full);
                            }
                        }
                    }
                }
            }
            rows = next;
        }
        self.trace = trace;
        Ok((scope, FromRows::Rows(rows)))
    }

    /// Hands the FROM clause's rows that pass `filter` to `sink` until it returns false.
    /// A planned inner join streams when nothing needs the whole row set or a mutable
    /// `Exec` per row (a correlated subquery); otherwise its rows are gathered first.
    /// `sink` charges what it keeps: rows gathered here give their charge back as they
    /// are handed over.
    fn consume_from(
        &mut self,
        from: FromRows,
        filter: Option<&Expr>,
        sink: &mut dyn FnMut(Vec<Value>, &EvalCx) -> SqlResult<bool>,
    ) -> SqlResult<()> {
        let streams = filter.is_none_or(|f| !has_corr(f));
        let rows = match from {
            FromRows::Join(j) if streams && j.late.is_empty() => {
                return self.run_inner(&j, &mut |r| {
                    if let Some(f) = filter {
                        if super::expr::truth(&f.eval(&r, &self.cx)?) != Some(true) {
                            return Ok(true);
                        }
                    }
                    sink(r, &self.cx)
                });
            }
            FromRows::Join(j) => self.collect_inner(&j)?,
            FromRows::Rows(rows) => rows,
        };
        for r in rows {
            self.cx.check()?;
            self.cx.mem.release(super::memory::row_bytes(&r));
            if let Some(f) = filter {
                self.eval_correlated(&r)?;
                let keep = super::expr::truth(&f.eval(&r, &self.cx)?) == Some(true);
                self.cx.corr_values.borrow_mut().take();
                if !keep {
                    continue;
                }
            }
            if !sink(r, &self.cx)? {
                break;
            }
        }
        Ok(())
    }

    /// Whether a joined row passes its ON conditions, running their correlated
    /// subqueries (if any) for it first.
    pub(crate) fn on_pass_correlated(&mut self, on: &[Expr], full: &[Value]) -> SqlResult<bool> {
        if on.iter().any(has_corr) {
            self.eval_correlated(full)?;
        }
        let r = on_pass(on, full, &self.cx);
        self.cx.corr_values.borrow_mut().take();
        r
    }

    /// Binds a WHERE clause over `scope`.
    pub(crate) fn bind_where(
        &mut self,
        scope: &Scope,
        selection: Option<&ast::Expr>,
    ) -> SqlResult<Option<Expr>> {
        selection
            .map(|w| {
                Binder {
                    scope,
                    env: self,
                    aggs: None,
                    agg_base: 0,
                    clause: "where clause",
                }
                .bind(w)
                .map(|(e, _)| e)
            })
            .transpose()
    }

    pub(crate) fn factor(&mut self, f: &ast::TableFactor) -> SqlResult<Source> {
        match f {
            ast::TableFactor::Table { name, alias, .. } => {
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                    .collect();
                if parts.len() == 2 && parts[0].eq_ignore_ascii_case("information_schema") {
                    let rs = super::infoschema::table(self, &parts[1])?;
                    let alias = alias
                        .as_ref()
                        .map(|a| a.name.value.clone())
                        .unwrap_or_else(|| parts[1].clone());
                    return Ok(Source::from_rowset(
                        rs,
                        &alias,
                        "information_schema",
                        &parts[1],
                    ));
                }
                if parts.len() == 2
                    && super::sysschema::is_system_table(&parts[0], &parts[1])
                    && self.catalog.table(&parts[0], &parts[1]).is_none()
                {
                    let rs = super::sysschema::table(self, &parts[0], &parts[1])?;
                    let alias = alias
                        .as_ref()
                        .map(|a| a.name.value.clone())
                        .unwrap_or_else(|| parts[1].clone());
                    let db = parts[0].to_ascii_lowercase();
                    return Ok(Source::from_rowset(rs, &alias, &db, &parts[1]));
                }
                if let Some(i) = self.find_cte(name) {
                    let rs = self.cte_rows(i)?;
                    let alias = alias
                        .as_ref()
                        .map(|a| a.name.value.clone())
                        .unwrap_or_else(|| self.ctes[i].name.clone());
                    let org = self.ctes[i].name.clone();
                    return Ok(Source::from_rowset(
                        RowSet {
                            columns: rs.columns.clone(),
                            rows: rs.rows.clone(),
                        },
                        &alias,
                        "",
                        &org,
                    ));
                }
                // SELECT on the table or view, or on some of its columns (each column
                // is then checked where it is named).
                self.may_some(privs::SELECT, "SELECT", name)?;
                if let Some(v) = self.view(name) {
                    let rs = self.view_rows(&v)?;
                    let alias = alias
                        .as_ref()
                        .map(|a| a.name.value.clone())
                        .unwrap_or_else(|| v.name.clone());
                    let mut src = Source::from_rowset(rs, &alias, &v.db, &v.name);
                    self.mark_unreadable_of(&mut src.cols, &v.db, &v.name);
                    return Ok(src);
                }
                let t = self.table(name)?;
                let alias = alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| t.name.clone());
                let mut cols: Vec<ScopeCol> = t
                    .columns
                    .iter()
                    .map(|c| ScopeCol {
                        table: alias.clone(),
                        db: t.db.clone(),
                        org_table: t.name.clone(),
                        name: c.name.clone(),
                        ty: Some(c.ty.clone()),
                        nullable: c.nullable,
                        denied: None,
                        hidden: c.invisible,
                    })
                    .collect();
                self.mark_unreadable(&mut cols, &t);
                Ok(Source {
                    cols,
                    table: Some(t),
                    rows: Vec::new(),
                    alias: alias.clone(),
                })
            }
            ast::TableFactor::Derived {
                subquery, alias, ..
            } => {
                let rs = self.query(subquery)?;
                let Some(alias) = alias.as_ref().map(|a| a.name.value.clone()) else {
                    return Err(SqlError::new(
                        1248,
                        "Every derived table must have its own alias",
                    ));
                };
                Ok(Source::from_rowset(rs, &alias, "", ""))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                let (scope, rows) =
                    self.build_from(std::slice::from_ref(table_with_joins), &[], None, false)?;
                Ok(Source {
                    cols: scope.cols,
                    table: None,
                    rows,
                    alias: String::new(),
                })
            }
            other => Err(SqlError::new(
                1235,
                format!("This version of Borealis doesn't yet support '{other}'"),
            )),
        }
    }

    /// Runs one SELECT block.
    pub fn select(
        &mut self,
        s: &ast::Select,
        order: &[ast::OrderByExpr],
        limit: Option<u64>,
        offset: u64,
    ) -> SqlResult<RowSet> {
        self.select_to(s, order, limit, offset, None)
    }

    /// [`Exec::select`], sending the rows to `sink` as they come when nothing after WHERE
    /// needs them all (see [`Exec::query_into`]).
    fn select_to(
        &mut self,
        s: &ast::Select,
        order: &[ast::OrderByExpr],
        limit: Option<u64>,
        offset: u64,
        sink: Option<&mut dyn RowSink>,
    ) -> SqlResult<RowSet> {
        // `OVER w` and `OVER (w …)` become the specifications they name.
        let named = super::window::resolve_named(s, order)?;
        let (s, order) = match &named {
            Some((s, o)) => (s, &o[..]),
            None => (s, order),
        };
        let mut where_conj = Vec::new();
        if let Some(w) = &s.selection {
            ast_conjuncts(w, &mut where_conj);
        }
        // A single-table scan in key order with LIMIT can stop early.
        let names = referenced_columns(s, order);
        let (scope, from_rows) =
            self.plan_from(&s.from, &where_conj, names.as_deref(), straight_join(s))?;
        let filter = self.bind_where(&scope, s.selection.as_ref())?;
        let mut rollup = false;
        let group_by: Vec<ast::Expr> = match &s.group_by {
            ast::GroupByExpr::Expressions(v, modifiers) => {
                for m in modifiers {
                    match m {
                        ast::GroupByWithModifier::Rollup => rollup = true,
                        other => {
                            return Err(SqlError::new(
                                1235,
                                format!("This version of Borealis doesn't yet support '{other}'"),
                            ))
                        }
                    }
                }
                v.clone()
            }
            ast::GroupByExpr::All(_) => {
                return Err(SqlError::new(1064, "GROUP BY ALL is not MySQL syntax"))
            }
        };
        let input_width = scope.cols.len();
        // Bind the select list, collecting aggregates.
        let mut aggs: Option<Vec<AggSpec>> = Some(Vec::new());
        let mut outputs: Vec<(Expr, OutColumn)> = Vec::new();
        for item in &s.projection {
            match item {
                ast::SelectItem::Wildcard(_) => {
                    // `SELECT *` without a table (or FROM DUAL) has nothing to expand.
                    if s.from.is_empty() {
                        return Err(SqlError::new(1096, "No tables used"));
                    }
                    for (i, c) in scope.cols.iter().enumerate() {
                        if c.hidden {
                            continue;
                        }
                        c.readable_all()?;
                        outputs.push((Expr::Col(i), scope_out(c)));
                    }
                }
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    let q = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => n.to_string(),
                        ast::SelectItemQualifiedWildcardKind::Expr(e) => e.to_string(),
                    };
                    let q = q
                        .rsplit('.')
                        .next()
                        .unwrap_or("")
                        .trim_matches('`')
                        .to_string();
                    let mut any = false;
                    for (i, c) in scope.cols.iter().enumerate() {
                        if c.table == q {
                            any = true;
                            if c.hidden {
                                continue;
                            }
                            c.readable_all()?;
                            outputs.push((Expr::Col(i), scope_out(c)));
                            any = true;
                        }
                    }
                    if !any {
                        return Err(SqlError::new(1051, format!("Unknown table '{q}'")));
                    }
                }
                ast::SelectItem::UnnamedExpr(e) => {
                    let mut b = Binder {
                        scope: &scope,
                        env: self,
                        aggs: aggs.take(),
                        agg_base: input_width,
                        clause: "field list",
                    };
                    let r = b.bind(e);
                    aggs = b.aggs.take();
                    let (x, t) = r?;
                    let mut col = match &x {
                        Expr::Col(i) if *i < input_width => scope_out(&scope.cols[*i]),
                        _ => OutColumn::expr(&display_name(e, &self.text), t),
                    };
                    col.nullable = is_user_var(e)
                        || nullable(&x, &scope, aggs.as_deref().unwrap_or(&[]), input_width);
                    if let Some(n) = super::expr::name_const_name(e) {
                        col.name = n;
                    }
                    if let ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) = e {
                        col.name = match e {
                            ast::Expr::CompoundIdentifier(p) => {
                                p.last().map(|i| i.value.clone()).unwrap_or_default()
                            }
                            ast::Expr::Identifier(i) => i.value.clone(),
                            _ => col.name,
                        };
                    }
                    outputs.push((x, col));
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let mut b = Binder {
                        scope: &scope,
                        env: self,
                        aggs: aggs.take(),
                        agg_base: input_width,
                        clause: "field list",
                    };
                    let r = b.bind(expr);
                    aggs = b.aggs.take();
                    let (x, t) = r?;
                    let mut col = match &x {
                        Expr::Col(i) if *i < input_width => scope_out(&scope.cols[*i]),
                        _ => OutColumn::expr(&alias.value, t),
                    };
                    col.nullable = is_user_var(expr)
                        || nullable(&x, &scope, aggs.as_deref().unwrap_or(&[]), input_width);
                    col.name = alias.value.clone();
                    outputs.push((x, col));
                }
                other => {
                    return Err(SqlError::new(
                        1235,
                        format!("This version of Borealis doesn't yet support '{other}'"),
                    ))
                }
            }
        }
        // HAVING and ORDER BY may add aggregates too.
        let having = match &s.having {
            Some(h) => {
                // Select-list aliases may appear in HAVING: substitute their expressions.
                let mut h = h.clone();
                let aliases: Vec<(String, ast::Expr)> = s
                    .projection
                    .iter()
                    .filter_map(|p| match p {
                        ast::SelectItem::ExprWithAlias { expr, alias } => {
                            Some((alias.value.clone(), expr.clone()))
                        }
                        _ => None,
                    })
                    .collect();
                let _ = ast::visit_expressions_mut(&mut h, |e: &mut ast::Expr| {
                    if let ast::Expr::Identifier(i) = e {
                        if scope
                            .resolve(std::slice::from_ref(&i.value), "having clause")
                            .is_err()
                        {
                            if let Some((_, x)) = aliases
                                .iter()
                                .find(|(a, _)| a.eq_ignore_ascii_case(&i.value))
                            {
                                *e = ast::Expr::Nested(Box::new(x.clone()));
                            }
                        }
                    }
                    std::ops::ControlFlow::<()>::Continue(())
                });
                let mut b = Binder {
                    scope: &scope,
                    env: self,
                    aggs: aggs.take(),
                    agg_base: input_width,
                    clause: "having clause",
                };
                let r = b.bind(&h);
                aggs = b.aggs.take();
                Some(r?.0)
            }
            None => None,
        };
        // Alias references in ORDER BY point past every aggregate, which are only
        // all known after ORDER BY itself is bound: mark them, remap below.
        const ALIAS_MARK: usize = 1 << 40;
        let out_base = ALIAS_MARK;
        let mut order_keys: Vec<SortSpec> = Vec::new();
        let lit_coll = self.session.literal_collation();
        for o in order {
            let desc = o.options.sort == Some(ast::OrderBySort::Desc);
            let by_alias = match &o.expr {
                ast::Expr::Identifier(i) => outputs.iter().position(|(_, c)| {
                    c.name.eq_ignore_ascii_case(&i.value)
                        && scope
                            .resolve(std::slice::from_ref(&i.value), "order clause")
                            .is_err()
                }),
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    let n = self.count_value(&o.expr)? as usize;
                    if n == 0 || n > outputs.len() {
                        return Err(SqlError::new(
                            1054,
                            format!("Unknown column '{n}' in 'order clause'"),
                        ));
                    }
                    Some(n - 1)
                }
                _ => None,
            };
            let (e, coll, ty) = match by_alias {
                Some(i) => (
                    Expr::Col(out_base + i),
                    out_collation(&outputs[i].1),
                    outputs[i].1.ty.clone(),
                ),
                None => {
                    let mut b = Binder {
                        scope: &scope,
                        env: self,
                        aggs: aggs.take(),
                        agg_base: input_width,
                        clause: "order clause",
                    };
                    let r = b.bind(&o.expr);
                    aggs = b.aggs.take();
                    match r {
                        Ok((e, ty)) => (e, type_collation(&ty, lit_coll), ty),
                        Err(err) => {
                            // An alias that shadows nothing in the scope.
                            match &o.expr {
                                ast::Expr::Identifier(i) => match outputs
                                    .iter()
                                    .position(|(_, c)| c.name.eq_ignore_ascii_case(&i.value))
                                {
                                    Some(p) => (
                                        Expr::Col(out_base + p),
                                        out_collation(&outputs[p].1),
                                        outputs[p].1.ty.clone(),
                                    ),
                                    None => return Err(err),
                                },
                                _ => return Err(err),
                            }
                        }
                    }
                }
            };
            // ENUM sorts by its index and SET by its bitmask, as in MySQL.
            let (e, _) = super::expr::members_number((e, ty));
            order_keys.push(SortSpec { e, desc, coll });
        }
        let aggs = aggs.unwrap_or_default();
        let out_base = input_width + aggs.len();
        for SortSpec { e: k, .. } in &mut order_keys {
            k.walk_mut(&mut |e| {
                if let Expr::Col(c) = e {
                    if *c >= ALIAS_MARK {
                        *c = out_base + (*c - ALIAS_MARK);
                    }
                }
            });
        }
        let grouped = !group_by.is_empty() || aggs.iter().any(|a| a.over.is_none());
        let windowed = aggs.iter().any(|a| a.over.is_some());
        let distinct = matches!(s.distinct, Some(ast::Distinct::Distinct));
        // The FROM clause's rows that pass WHERE: folded as they come when every
        // aggregate folds into one group, cut at the LIMIT when nothing after WHERE
        // needs every row, else gathered.
        let fold = grouped
            && group_by.is_empty()
            && !rollup
            && !windowed
            && aggs.iter().all(|a| a.func != AggFunc::Grouping);
        let stop_at =
            (!grouped && !windowed && !distinct && order_keys.is_empty() && having.is_none())
                .then(|| limit.map(|l| l.saturating_add(offset)))
                .flatten();
        // GROUP BY's keys.
        let mut keys: Vec<(Expr, Collation)> = Vec::new();
        let lit_coll = self.session.literal_collation();
        for g in &group_by {
            let e = match g {
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    let n = self.count_value(g)? as usize;
                    match outputs.get(n.wrapping_sub(1)) {
                        Some((e, c)) => (e.clone(), out_collation(c)),
                        None => {
                            return Err(SqlError::new(
                                1054,
                                format!("Unknown column '{n}' in 'group statement'"),
                            ))
                        }
                    }
                }
                ast::Expr::Identifier(i)
                    if scope
                        .resolve(std::slice::from_ref(&i.value), "group statement")
                        .is_err_and(|e| e.code != 1143) =>
                {
                    match outputs
                        .iter()
                        .find(|(_, c)| c.name.eq_ignore_ascii_case(&i.value))
                    {
                        Some((e, c)) => (e.clone(), out_collation(c)),
                        None => {
                            return Err(SqlError::new(
                                1054,
                                format!("Unknown column '{}' in 'group statement'", i.value),
                            ))
                        }
                    }
                }
                other => {
                    let (e, ty) = Binder {
                        scope: &scope,
                        env: self,
                        aggs: None,
                        agg_base: 0,
                        clause: "group statement",
                    }
                    .bind(other)?;
                    (e, type_collation(&ty, lit_coll))
                }
            };
            keys.push(e);
        }
        // ROLLUP needs the rows in key order; other groups fold as the rows come
        // (GROUPING() outside ROLLUP is 1111, which the sorting path gives.)
        let hashed = grouped
            && !group_by.is_empty()
            && !rollup
            && aggs.iter().all(|a| a.func != AggFunc::Grouping);
        let mut sorted_groups = None;
        // ORDER BY with a LIMIT and nothing else after WHERE that needs every row, over
        // a select list without correlated subqueries (they need a mutable `Exec`).
        let top_n = (!grouped
            && !windowed
            && !distinct
            && having.is_none()
            && !order_keys.is_empty()
            && outputs.iter().all(|(e, _)| !has_corr(e))
            && order_keys.iter().all(|k| !has_corr(&k.e)))
        .then_some(limit.map(|l| l.saturating_add(offset)))
        .flatten();
        let streams = !grouped
            && !windowed
            && having.is_none()
            && order_keys.is_empty()
            && outputs.iter().all(|(e, _)| !has_corr(e));
        if let Some(sink) = sink.filter(|_| streams) {
            // Each row that passes WHERE is projected and sent; none is held but, for
            // DISTINCT, one of each distinct row.
            let columns: Vec<OutColumn> = outputs.iter().map(|(_, c)| c.clone()).collect();
            sink.columns(&columns)?;
            let mut seen = distinct.then(|| {
                super::hashagg::HashDistinct::new(columns.iter().map(out_collation).collect())
            });
            let mut skip = offset;
            let mut left = limit;
            if left != Some(0) {
                self.consume_from(from_rows, filter.as_ref(), &mut |r, cx| {
                    // Rows OFFSET skips are not evaluated (as MySQL), but DISTINCT
                    // needs the values to know what it skips.
                    if skip > 0 && seen.is_none() {
                        skip -= 1;
                        return Ok(true);
                    }
                    let mut outs = Vec::with_capacity(outputs.len());
                    for (e, _) in &outputs {
                        outs.push(e.eval(&r, cx)?);
                    }
                    if let Some(seen) = &mut seen {
                        if !seen.insert(&outs, cx)? {
                            return Ok(true);
                        }
                        if skip > 0 {
                            skip -= 1;
                            return Ok(true);
                        }
                    }
                    sink.row(outs)?;
                    Ok(match &mut left {
                        Some(n) => {
                            *n -= 1;
                            *n > 0
                        }
                        None => true,
                    })
                })?;
            }
            return Ok(RowSet {
                columns,
                rows: Vec::new(),
            });
        }
        let mut projected_early = false;
        let mut rows = if fold {
            let mut acc = GroupFold::new(&aggs);
            let mut inputs = AggInputs::default();
            let mut first: Option<Vec<Value>> = None;
            self.consume_from(from_rows, filter.as_ref(), &mut |r, cx| {
                inputs.eval(&r, &aggs, cx)?;
                acc.add(&aggs, &inputs, cx)?;
                if first.is_none() {
                    cx.mem.charge_row(&r)?;
                    first = Some(r);
                }
                Ok(true)
            })?;
            let mut r = first.unwrap_or_default();
            r.resize(input_width, Value::Null);
            r.extend(acc.close(&aggs, &[], 0, &self.cx)?);
            vec![r]
        } else if hashed {
            let mut groups = super::hashagg::HashGroups::new(&keys, &aggs, input_width);
            self.consume_from(from_rows, filter.as_ref(), &mut |r, cx| {
                groups.push(r, cx)?;
                Ok(true)
            })?;
            groups.finish(&self.cx)?
        } else if let Some(n) = top_n {
            // ORDER BY … LIMIT n: each row is projected as it comes and the best n are
            // kept (the buffer is cut back to them whenever it doubles).
            let cap = usize::try_from(n).unwrap_or(usize::MAX).max(1024);
            let mut best: Vec<Vec<Value>> = Vec::new();
            let mut held = 0u64;
            self.consume_from(from_rows, filter.as_ref(), &mut |mut r, cx| {
                r.resize(out_base, Value::Null);
                for (e, _) in &outputs {
                    let v = e.eval(&r, cx)?;
                    r.push(v);
                }
                let b = super::memory::row_bytes(&r);
                cx.mem.charge(b)?;
                held += b;
                best.push(r);
                if best.len() >= cap.saturating_mul(2) {
                    best = sort_rows(
                        std::mem::take(&mut best),
                        &order_keys,
                        SortMode::Sort,
                        Some(n),
                        cx,
                    )?;
                    cx.mem.release(held);
                    held = best.iter().map(|r| super::memory::row_bytes(r)).sum();
                    cx.mem.charge(held)?;
                }
                Ok(true)
            })?;
            projected_early = true;
            best
        } else {
            if grouped {
                sorted_groups = Some(std::mem::take(&mut keys));
            }
            let mut rows = Vec::new();
            self.consume_from(from_rows, filter.as_ref(), &mut |r, cx| {
                cx.mem.charge_row(&r)?;
                rows.push(r);
                Ok(stop_at.is_none_or(|n| (rows.len() as u64) < n))
            })?;
            rows
        };
        if let Some(sorted) = sorted_groups {
            rows = aggregate(rows, &sorted, &aggs, input_width, rollup, &self.cx)?;
        }
        if let Some(h) = &having {
            let mut kept = Vec::with_capacity(rows.len());
            for r in rows {
                if super::expr::truth(&h.eval(&r, &self.cx)?) == Some(true) {
                    kept.push(r);
                }
            }
            rows = kept;
        }
        if aggs.iter().any(|a| a.over.is_some()) {
            if !grouped {
                for r in &mut rows {
                    r.resize(out_base, Value::Null);
                }
            }
            super::window::compute(&mut rows, &aggs, input_width, &self.cx)?;
        }
        // Project: rows become [input.., aggs.., outputs..] for ORDER BY and DISTINCT, then
        // outputs. Without them a row becomes its outputs at once. When every output is a
        // column or a literal, an output that is the only one reading its column takes the
        // value instead of copying it (a `SELECT *` of a big table would otherwise copy
        // every value and every row), and ORDER BY reads it there.
        let keep_inputs = distinct || !order_keys.is_empty();
        let plain = !projected_early
            && outputs
                .iter()
                .all(|(e, _)| matches!(e, Expr::Col(_) | Expr::Lit(_)));
        let movable: Vec<Option<usize>> = outputs
            .iter()
            .map(|(e, _)| match e {
                Expr::Col(c)
                    if plain
                        && outputs
                            .iter()
                            .filter(|(o, _)| matches!(o, Expr::Col(d) if d == c))
                            .count()
                            == 1 =>
                {
                    Some(*c)
                }
                _ => None,
            })
            .collect();
        for (j, m) in movable.iter().enumerate() {
            if let Some(c) = *m {
                for SortSpec { e, .. } in &mut order_keys {
                    e.walk_mut(&mut |e| {
                        if let Expr::Col(i) = e {
                            if *i == c {
                                *i = out_base + j;
                            }
                        }
                    });
                }
            }
        }
        let mut projected = Vec::with_capacity(rows.len());
        if projected_early {
            projected = rows;
            rows = Vec::new();
        }
        for mut r in rows {
            self.cx.check()?;
            r.resize(out_base, Value::Null);
            self.eval_correlated(&r)?;
            let mut outs = Vec::with_capacity(outputs.len());
            for ((e, _), m) in outputs.iter().zip(&movable) {
                outs.push(match m {
                    Some(c) if *c < r.len() => std::mem::replace(&mut r[*c], Value::Null),
                    _ => e.eval(&r, &self.cx)?,
                });
            }
            self.cx.corr_values.borrow_mut().take();
            if keep_inputs {
                r.extend(outs);
                projected.push(r);
            } else {
                projected.push(outs);
            }
        }
        // DISTINCT compares the outputs only; each projected row is [inputs (out_base of
        // them).., outputs..]. Ordered by exactly its outputs (any order, any direction),
        // one sort groups equal rows and orders them.
        let n = outputs.len();
        let mut by_output = vec![false; n];
        let fused = distinct
            && order_keys.len() == n
            && order_keys.iter().all(|k| match k.e {
                Expr::Col(c) if (out_base..out_base + n).contains(&c) => {
                    let j = c - out_base;
                    !std::mem::replace(&mut by_output[j], true)
                        && k.coll == out_collation(&outputs[j].1)
                }
                _ => false,
            });
        if fused {
            projected = sort_rows(projected, &order_keys, SortMode::Distinct, None, &self.cx)?;
        } else {
            if distinct {
                let keys: Vec<SortSpec> = outputs
                    .iter()
                    .enumerate()
                    .map(|(j, (_, c))| SortSpec {
                        e: Expr::Col(out_base + j),
                        desc: false,
                        coll: out_collation(c),
                    })
                    .collect();
                // First occurrence order, as MySQL returns DISTINCT rows without ORDER BY.
                projected = sort_rows(
                    projected,
                    &keys,
                    SortMode::DistinctInputOrder,
                    None,
                    &self.cx,
                )?;
            }
            if !order_keys.is_empty() {
                projected = sort_rows(
                    projected,
                    &order_keys,
                    SortMode::Sort,
                    limit.map(|l| l.saturating_add(offset)),
                    &self.cx,
                )?;
            }
        }
        apply_limit(&mut projected, limit, offset);
        let rows = if keep_inputs {
            projected
                .into_iter()
                .map(|mut r| {
                    r.drain(..r.len() - n);
                    r
                })
                .collect()
        } else {
            projected
        };
        Ok(RowSet {
            columns: outputs.into_iter().map(|(_, c)| c).collect(),
            rows,
        })
    }
}

/// Whether a joined row passes every ON condition (NULL does not pass).
/// `SELECT STRAIGHT_JOIN …`: the FROM items join in the written order.
pub(crate) fn straight_join(s: &ast::Select) -> bool {
    s.select_modifiers.as_ref().is_some_and(|m| m.straight_join)
}

pub(crate) fn on_pass(on: &[Expr], full: &[Value], cx: &EvalCx) -> SqlResult<bool> {
    for c in on {
        if super::expr::truth(&c.eval(full, cx)?) != Some(true) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether an expression reads a correlated subquery's value.
pub(crate) fn has_corr(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| found |= matches!(x, Expr::Corr(_)));
    found
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinKind {
    Inner,
    Left,
    Right,
}

/// The rows of a FROM clause: gathered, or an inner join planned and not yet run.
pub(crate) enum FromRows {
    Rows(Vec<Vec<Value>>),
    Join(super::join::InnerJoin),
}

pub(crate) struct Source {
    pub(crate) cols: Vec<ScopeCol>,
    pub(crate) table: Option<Arc<TableDef>>,
    pub(crate) rows: Vec<Vec<Value>>,
    pub(crate) alias: String,
}

impl Source {
    fn from_rowset(rs: RowSet, alias: &str, db: &str, org: &str) -> Source {
        let cols = rs
            .columns
            .iter()
            .map(|c| ScopeCol {
                table: alias.to_string(),
                db: db.to_string(),
                org_table: org.to_string(),
                name: c.name.clone(),
                ty: c.ty.clone(),
                nullable: c.nullable,
                denied: None,
                hidden: false,
            })
            .collect();
        Source {
            cols,
            table: None,
            rows: rs.rows,
            alias: alias.to_string(),
        }
    }
}

/// Whether an expression can be NULL (MySQL clears the NOT NULL flag otherwise).
fn nullable(e: &Expr, scope: &Scope, aggs: &[AggSpec], width: usize) -> bool {
    let n = |x: &Expr| nullable(x, scope, aggs, width);
    match e {
        Expr::Lit(v) => v.is_null(),
        Expr::Col(i) if *i < width => scope.cols.get(*i).is_none_or(|c| c.nullable),
        Expr::Col(i) => aggs.get(i - width).is_none_or(|a| {
            !matches!(
                a.func,
                AggFunc::Count
                    | AggFunc::Grouping
                    | AggFunc::BitAnd
                    | AggFunc::BitOr
                    | AggFunc::BitXor
            ) && !a.over.as_ref().is_some_and(|w| w.never_null())
        }),
        Expr::Arith(
            super::expr::ArithOp::Add | super::expr::ArithOp::Sub | super::expr::ArithOp::Mul,
            a,
            b,
        ) => n(a) || n(b),
        Expr::Neg(a) | Expr::Not(a) => n(a),
        Expr::Cmp(op, a, b, _) => *op != super::expr::CmpOp::NullEq && (n(a) || n(b)),
        Expr::IsNull(..) | Expr::IsBool(..) => false,
        _ => true,
    }
}

/// `@name`: a result column of one may be NULL whatever the variable holds now (MySQL
/// and MariaDB describe it so; the mysql client then sizes it for `NULL`).
fn is_user_var(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i)
        if i.quote_style.is_none() && i.value.starts_with('@') && !i.value.starts_with("@@"))
}

fn scope_out(c: &ScopeCol) -> OutColumn {
    OutColumn {
        name: c.name.clone(),
        org_name: c.name.clone(),
        table: c.table.clone(),
        org_table: c.org_table.clone(),
        db: c.db.clone(),
        ty: c.ty.clone(),
        nullable: c.nullable,
        ..Default::default()
    }
}

pub(crate) fn out_collation(c: &OutColumn) -> Collation {
    c.ty.as_ref()
        .filter(|t| t.is_string())
        .map(|t| t.collation())
        .unwrap_or(Collation::Utf8mb4GeneralCi)
}

/// The column name MySQL shows for an unaliased expression: its text as the
/// client wrote it (sliced out of the statement by the AST span), else the
/// rendered expression.
fn display_name(e: &ast::Expr, text: &str) -> String {
    use sqlparser::ast::Spanned;
    let span = e.span();
    let s = match (
        offset_of(text, span.start.line, span.start.column),
        offset_of(text, span.end.line, span.end.column),
    ) {
        (Some(mut a), Some(mut b)) if a < b => {
            // A string's span starts after its introducer (`_binary'…'`).
            let quoted = text[a..].starts_with(['\'', '"'])
                || (text[a..].starts_with(['x', 'X', 'b', 'B']) && text[a + 1..].starts_with('\''));
            if quoted {
                let before = text[..a].trim_end();
                let word = before
                    .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    .len();
                if before[word..].starts_with('_') {
                    a = word;
                }
            }
            // The text starts with the leftmost operand, reached through the left
            // operands of operators and through parentheses and unary operators, whose
            // spans start at what they enclose (`(-1) + 1` spans from `1`). Those met on
            // the way are put back once the operand's own text is found.
            let mut lead = e;
            let mut wrappers = Vec::new();
            loop {
                match lead {
                    ast::Expr::BinaryOp { left, .. } => lead = left,
                    ast::Expr::Nested(inner) | ast::Expr::UnaryOp { expr: inner, .. } => {
                        wrappers.push(lead);
                        lead = inner;
                    }
                    _ => break,
                }
            }
            // Special forms (SUBSTRING(..), TRIM(..), CAST(..) ...) span only
            // their operands: take the keyword and the whole parenthesis; also when one
            // starts an operator chain (`CAST(x AS DECIMAL(9,2)) * 2`).
            if matches!(
                lead,
                ast::Expr::Substring { .. }
                    | ast::Expr::Trim { .. }
                    | ast::Expr::Cast { .. }
                    | ast::Expr::Convert { .. }
                    | ast::Expr::Extract { .. }
                    | ast::Expr::Ceil { .. }
                    | ast::Expr::Floor { .. }
                    | ast::Expr::Position { .. }
            ) {
                let before = text[..a].trim_end();
                let open_at = before.ends_with('(').then(|| before.len() - 1);
                if let Some(open) = open_at {
                    let w = text[..open].trim_end();
                    let word_start = w
                        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                        .len();
                    if word_start < w.len() {
                        a = word_start;
                        if let Some(close) = matching_paren(&text[open..]) {
                            b = b.max(open + close + 1);
                        }
                    }
                }
            }
            // Innermost first: a `(` before each parenthesis, the operator before each
            // unary operator (`NOT (1)`, `-(a) + 1`); the closing parentheses are
            // found below with the others left open.
            for w in wrappers.iter().rev() {
                let before = text[..a].trim_end();
                let token: &[&str] = match w {
                    ast::Expr::Nested(_) => &["("],
                    ast::Expr::UnaryOp { op, .. } => match op {
                        ast::UnaryOperator::Not => &["NOT", "!"],
                        ast::UnaryOperator::Minus => &["-"],
                        ast::UnaryOperator::Plus => &["+"],
                        ast::UnaryOperator::BitwiseNot => &["~"],
                        _ => &["!", "~"],
                    },
                    _ => &[],
                };
                let found = token.iter().find(|t| {
                    before.len() >= t.len()
                        && before.is_char_boundary(before.len() - t.len())
                        && before[before.len() - t.len()..].eq_ignore_ascii_case(t)
                });
                match found {
                    Some(t) => a = before.len() - t.len(),
                    None => break,
                }
            }
            // A call's span stops at its name or last argument: take the rest
            // of the argument list and the closing parentheses too (one per call
            // still open: `SUM(ABS(x))` ends inside both), also as the operand of `IS`.
            let operand = match e {
                ast::Expr::IsNull(x)
                | ast::Expr::IsNotNull(x)
                | ast::Expr::IsTrue(x)
                | ast::Expr::IsNotTrue(x)
                | ast::Expr::IsFalse(x)
                | ast::Expr::IsNotFalse(x) => x,
                // `x = CONNECTION_ID()` ends in a call too.
                ast::Expr::BinaryOp { right, .. } if matches!(**right, ast::Expr::Function(_)) => {
                    right
                }
                _ => e,
            };
            if let ast::Expr::Function(_) = operand {
                let rest = &text[b..];
                let t = rest.trim_start();
                let skip = rest.len() - t.len();
                if t.starts_with('(') {
                    if let Some(close) = matching_paren(t) {
                        b += skip + close + 1;
                    }
                    // `DEGREES(PI())`: the inner call's list is taken; close the outer.
                    for _ in 0..unclosed_parens(&text[a..b]) {
                        let rest = &text[b..];
                        let t = rest.trim_start();
                        if !t.starts_with(')') {
                            break;
                        }
                        b += rest.len() - t.len() + 1;
                    }
                } else {
                    for _ in 0..unclosed_parens(&text[a..b]).max(1) {
                        let rest = &text[b..];
                        let t = rest.trim_start();
                        if !t.starts_with(')') {
                            break;
                        }
                        b += rest.len() - t.len() + 1;
                    }
                }
                // A window function's name goes on to the end of its OVER clause.
                if matches!(operand, ast::Expr::Function(f) if f.over.is_some()) {
                    b = over_clause_end(text, b);
                }
            }
            // A subquery's span may stop inside it (`x IN (SELECT … WHERE v IS NULL)`
            // ends at `v`): take the text on to where its parentheses close.
            let open = unclosed_parens(&text[a..b]);
            if open > 0 {
                b = close_parens(text, b, open);
            }
            // `x IS [NOT] NULL|TRUE|FALSE` spans only `x`.
            let suffix: Option<&[&str]> = match e {
                ast::Expr::IsNull(_) => Some(&["IS", "NULL"]),
                ast::Expr::IsNotNull(_) => Some(&["IS", "NOT", "NULL"]),
                ast::Expr::IsTrue(_) => Some(&["IS", "TRUE"]),
                ast::Expr::IsNotTrue(_) => Some(&["IS", "NOT", "TRUE"]),
                ast::Expr::IsFalse(_) => Some(&["IS", "FALSE"]),
                ast::Expr::IsNotFalse(_) => Some(&["IS", "NOT", "FALSE"]),
                _ => None,
            };
            if let Some(words) = suffix {
                let mut at = b;
                for w in words {
                    let rest = &text[at..];
                    let t = rest.trim_start();
                    if t.len() >= w.len() && t[..w.len()].eq_ignore_ascii_case(w) {
                        at += rest.len() - t.len() + w.len();
                    } else {
                        at = b;
                        break;
                    }
                }
                b = at;
            }
            text.get(a..b)
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .unwrap_or_else(|| e.to_string())
        }
        _ => e.to_string(),
    };
    s.chars().take(256).collect()
}

/// Where the `[FROM FIRST] [RESPECT|IGNORE NULLS] OVER (…)|OVER name` that follows a
/// window function's argument list (ending at `at`) ends; `at` when none does.
fn over_clause_end(text: &str, at: usize) -> usize {
    let mut b = at;
    let word = |b: usize, w: &str| -> Option<usize> {
        let rest = &text[b..];
        let t = rest.trim_start();
        let end = t
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(t.len());
        (end > 0 && t[..end].eq_ignore_ascii_case(w)).then(|| b + rest.len() - t.len() + end)
    };
    for pair in [["FROM", "FIRST"], ["RESPECT", "NULLS"], ["IGNORE", "NULLS"]] {
        if let Some(e) = word(b, pair[0]).and_then(|x| word(x, pair[1])) {
            b = e;
        }
    }
    let Some(after_over) = word(b, "OVER") else {
        return at;
    };
    let rest = &text[after_over..];
    let t = rest.trim_start();
    let start = after_over + rest.len() - t.len();
    if t.starts_with('(') {
        return matching_paren(t).map_or(at, |close| start + close + 1);
    }
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '`'))
        .unwrap_or(t.len());
    if end == 0 {
        at
    } else {
        start + end
    }
}

/// The offset just past the `open`-th unmatched `)` of `text` from `at` (outside quoted
/// strings and names), or `at` when the text ends first.
fn close_parens(text: &str, at: usize, open: usize) -> usize {
    let mut depth = open;
    let mut quote: Option<u8> = None;
    let bytes = text.as_bytes();
    let mut i = at;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == b'\\' && q != b'`' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' | b'`' => quote = Some(c),
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    at
}

/// How many parentheses of `s` are open at its end, outside quoted strings and names.
fn unclosed_parens(s: &str) -> usize {
    let mut depth = 0;
    walk_parens(s, |_, d| {
        depth = d;
        true
    });
    usize::try_from(depth).unwrap_or(0)
}

/// Calls `f` with the byte offset of each parenthesis of `t` outside quoted strings and
/// names, and the nesting depth after it, until `f` returns false.
fn walk_parens(t: &str, mut f: impl FnMut(usize, i32) -> bool) {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut chars = t.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('\'' | '"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | ')') => {
                depth += if c == '(' { 1 } else { -1 };
                if !f(i, depth) {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// Byte offset of a 1-based (line, column) position, columns in characters.
fn offset_of(text: &str, line: u64, col: u64) -> Option<usize> {
    if line == 0 || col == 0 {
        return None;
    }
    let mut pos = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            let within = l
                .char_indices()
                .nth((col - 1) as usize)
                .map(|(b, _)| b)
                .unwrap_or(l.len());
            return Some(pos + within);
        }
        pos += l.len();
    }
    None
}

/// Byte index of the `)` closing the `(` that `t` starts with.
fn matching_paren(t: &str) -> Option<usize> {
    let mut at = None;
    walk_parens(t, |i, depth| {
        if depth == 0 {
            at = Some(i);
        }
        at.is_none()
    });
    at
}

pub(crate) fn ast_conjuncts(e: &ast::Expr, out: &mut Vec<ast::Expr>) {
    match e {
        ast::Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::And,
            right,
        } => {
            ast_conjuncts(left, out);
            ast_conjuncts(right, out);
        }
        ast::Expr::Nested(inner) => ast_conjuncts(inner, out),
        other => out.push(other.clone()),
    }
}

/// The column names `s` and its ORDER BY mention, so that its scans decode only
/// those columns. `None` (decode every column) when it may reach columns without
/// naming them in the forms [`expr_column_names`] knows: a wildcard, a USING or
/// NATURAL join, a derived table or nested join, a subquery (outer references), or
/// any clause or expression form not listed there. A plain walk, not the sqlparser
/// visitor: this runs for every SELECT, point selects included.
fn referenced_columns(s: &ast::Select, order: &[ast::OrderByExpr]) -> Option<Vec<String>> {
    // Every field named (no `..`): a new sqlparser field must be looked at here.
    let ast::Select {
        select_token: _,
        optimizer_hints: _,
        distinct: _,
        select_modifiers: _,
        top,
        top_before_distinct: _,
        projection,
        exclude,
        into: _,
        from,
        lateral_views,
        prewhere,
        selection,
        connect_by,
        group_by,
        cluster_by,
        distribute_by,
        sort_by,
        having,
        named_window,
        qualify,
        window_before_qualify: _,
        value_table_mode: _,
        flavor: _,
    } = s;
    if top.is_some()
        || exclude.is_some()
        || !lateral_views.is_empty()
        || prewhere.is_some()
        || !connect_by.is_empty()
        || !cluster_by.is_empty()
        || !distribute_by.is_empty()
        || !sort_by.is_empty()
        || !named_window.is_empty()
        || qualify.is_some()
    {
        return None;
    }
    let mut exprs: Vec<&ast::Expr> = Vec::new();
    for p in projection {
        match p {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                exprs.push(e)
            }
            _ => return None,
        }
    }
    for twj in from {
        if !matches!(twj.relation, ast::TableFactor::Table { .. }) {
            return None;
        }
        for j in &twj.joins {
            use ast::JoinOperator as J;
            let constraint = match &j.join_operator {
                J::Join(c)
                | J::Inner(c)
                | J::CrossJoin(c)
                | J::StraightJoin(c)
                | J::Left(c)
                | J::LeftOuter(c)
                | J::Right(c)
                | J::RightOuter(c) => c,
                _ => return None,
            };
            if !matches!(j.relation, ast::TableFactor::Table { .. }) {
                return None;
            }
            match constraint {
                ast::JoinConstraint::On(e) => exprs.push(e),
                ast::JoinConstraint::None => {}
                _ => return None,
            }
        }
    }
    exprs.extend(selection);
    match group_by {
        ast::GroupByExpr::Expressions(v, modifiers) if modifiers.is_empty() => exprs.extend(v),
        _ => return None,
    }
    exprs.extend(having);
    for o in order {
        if o.with_fill.is_some() {
            return None;
        }
        exprs.push(&o.expr);
    }
    let mut names = Vec::new();
    for e in exprs {
        if !expr_column_names(e, &mut names) {
            return None;
        }
    }
    Some(names)
}

/// Adds the column names `e` mentions to `out`; false when `e` has a form this walk
/// does not know (then any column may be reached).
fn expr_column_names(e: &ast::Expr, out: &mut Vec<String>) -> bool {
    use ast::Expr as E;
    match e {
        E::Identifier(i) => out.push(i.value.clone()),
        E::CompoundIdentifier(p) => match p.last() {
            Some(i) => out.push(i.value.clone()),
            None => return false,
        },
        E::Value(_) => {}
        E::BinaryOp { left, right, .. } => {
            return expr_column_names(left, out) && expr_column_names(right, out)
        }
        E::UnaryOp { expr, .. }
        | E::Nested(expr)
        | E::IsNull(expr)
        | E::IsNotNull(expr)
        | E::IsTrue(expr)
        | E::IsNotTrue(expr)
        | E::IsFalse(expr)
        | E::IsNotFalse(expr)
        | E::Cast { expr, .. } => return expr_column_names(expr, out),
        E::Between {
            expr, low, high, ..
        } => {
            return expr_column_names(expr, out)
                && expr_column_names(low, out)
                && expr_column_names(high, out)
        }
        E::InList { expr, list, .. } => {
            return expr_column_names(expr, out) && list.iter().all(|x| expr_column_names(x, out))
        }
        E::Like { expr, pattern, .. } => {
            return expr_column_names(expr, out) && expr_column_names(pattern, out)
        }
        E::Function(f) => {
            let plain = f.over.is_none()
                && f.filter.is_none()
                && f.within_group.is_empty()
                && matches!(f.parameters, ast::FunctionArguments::None);
            if !plain {
                return false;
            }
            match &f.args {
                ast::FunctionArguments::None => {}
                ast::FunctionArguments::List(l) if l.clauses.is_empty() => {
                    for a in &l.args {
                        match a {
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                                if !expr_column_names(x, out) {
                                    return false;
                                }
                            }
                            // COUNT(*): no column.
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => {}
                            _ => return false,
                        }
                    }
                }
                _ => return false,
            }
        }
        _ => return false,
    }
    true
}

/// The collation strings of type `ty` compare by; `default` for untyped values.
fn type_collation(ty: &ColType, default: Collation) -> Collation {
    ty.as_ref()
        .filter(|t| t.is_string())
        .map_or(default, |t| t.collation())
}

fn apply_limit(rows: &mut Vec<Vec<Value>>, limit: Option<u64>, offset: u64) {
    let off = (offset as usize).min(rows.len());
    rows.drain(..off);
    if let Some(l) = limit {
        rows.truncate(l as usize);
    }
}

/// Folds rows into groups: each output row is the group's first input row followed by
/// one value per aggregate (window slots stay NULL: the window stage fills them). With
/// `rollup` (GROUP BY … WITH ROLLUP), after the last group of each run of equal leading
/// keys comes its super-aggregate row, the rolled-up keys' columns NULL in it: the order
/// MySQL returns them in.
fn aggregate(
    rows: Vec<Vec<Value>>,
    keys: &[(Expr, Collation)],
    aggs: &[AggSpec],
    width: usize,
    rollup: bool,
    cx: &EvalCx,
) -> SqlResult<Vec<Vec<Value>>> {
    // GROUPING()'s arguments as GROUP BY key positions. Bound expressions have no
    // equality of their own; their debug form is exact.
    let key_names: Vec<String> = keys.iter().map(|(e, _)| format!("{e:?}")).collect();
    let mut grouping: Vec<Vec<usize>> = Vec::with_capacity(aggs.len());
    for a in aggs {
        let mut at = Vec::new();
        if a.func == AggFunc::Grouping {
            if !rollup {
                return Err(SqlError::new(1111, "Invalid use of group function"));
            }
            for (i, g) in a.grouping.iter().enumerate() {
                let name = format!("{g:?}");
                match key_names.iter().position(|k| *k == name) {
                    Some(p) => at.push(p),
                    None => {
                        return Err(SqlError::new(
                            3602,
                            format!(
                                "Argument #{} of GROUPING function is not in GROUP BY",
                                i + 1
                            ),
                        ))
                    }
                }
            }
        }
        grouping.push(at);
    }
    if rows.is_empty() && keys.is_empty() {
        // Aggregates over no rows still give one row.
        let mut r = vec![Value::Null; width];
        for a in aggs {
            r.push(if folded(a) {
                AggState::new(a).finish(a, cx)
            } else {
                Value::Null
            });
        }
        return Ok(vec![r]);
    }
    // Each row gets its keys' values appended (evaluated once: warnings once, RAND()
    // consistent), is sorted by them (spilling past sort_buffer_size), and the sorted rows
    // are folded run by run: only the current group's state and each finished group's
    // values are held. The output rows are cut back to `width` below.
    let mut rows = rows;
    for r in &mut rows {
        cx.check()?;
        r.resize(width, Value::Null);
        for (e, _) in keys {
            let v = e.eval(&r[..width], cx)?;
            r.push(v);
        }
        cx.mem.charge(super::memory::row_bytes(&r[width..]))?;
    }
    let specs: Vec<SortSpec> = keys
        .iter()
        .enumerate()
        .map(|(j, (_, c))| SortSpec {
            e: Expr::Col(width + j),
            desc: false,
            coll: *c,
        })
        .collect();
    let rows = sort_rows(rows, &specs, SortMode::Sort, None, cx)?;
    let group_keys = GroupKeys::new(&specs);
    let mut cur_key = match rows.first() {
        Some(r) if !specs.is_empty() => Some(group_keys.of(r, cx)?),
        _ => None,
    };
    let nk = keys.len();
    /// One level's group: its first row and its aggregates folded so far (level `nk` is
    /// the group itself, a lower level the rows whose first `level` keys are equal).
    struct Level {
        first: Option<usize>,
        fold: GroupFold,
    }
    let fresh = || Level {
        first: None,
        fold: GroupFold::new(aggs),
    };
    let lowest = if rollup { 0 } else { nk };
    let mut levels: Vec<Level> = (lowest..=nk).map(|_| fresh()).collect();
    // Each output row: its first input row, its level and its aggregates' values.
    let mut groups: Vec<(usize, usize, Vec<Value>)> = Vec::new();
    let mut inputs = AggInputs::default();
    for pos in 0..rows.len() {
        let r = pos;
        cx.check()?;
        inputs.eval(&rows[r], aggs, cx)?;
        for lv in &mut levels {
            lv.first.get_or_insert(r);
            lv.fold.add(aggs, &inputs, cx)?;
        }
        // The levels whose leading keys change at the next row close here.
        let closes_from = match rows.get(pos + 1) {
            None => 0,
            Some(next) => {
                let next_key = match &cur_key {
                    Some(_) => Some(group_keys.of(next, cx)?),
                    None => None,
                };
                let differs = match (&cur_key, &next_key) {
                    (Some(a), Some(b)) => group_keys.first_difference(a, b),
                    _ => None,
                };
                cur_key = next_key;
                match differs {
                    Some(j) => j + 1,
                    None => continue,
                }
            }
        };
        for level in (closes_from.max(lowest)..=nk).rev() {
            let Level { first, fold } = std::mem::replace(&mut levels[level - lowest], fresh());
            let values = fold.close(aggs, &grouping, level, cx)?;
            cx.mem.charge(super::memory::row_bytes(&values) + 16)?;
            groups.push((first.unwrap_or(r), level, values));
        }
    }
    // A super-aggregate row is a copy of its first row with the columns of its rolled-up
    // keys NULL (those the kept keys read stay).
    let rolled_columns = |level: usize| {
        let mut kept = Vec::new();
        for (e, _) in &keys[..level] {
            e.walk(&mut |x| {
                if let Expr::Col(c) = x {
                    kept.push(*c);
                }
            });
        }
        let mut rolled = Vec::new();
        for (e, _) in &keys[level..] {
            e.walk(&mut |x| {
                if let Expr::Col(c) = x {
                    if !kept.contains(c) {
                        rolled.push(*c);
                    }
                }
            });
        }
        rolled
    };
    let mut rows = rows;
    let mut out: Vec<Vec<Value>> = Vec::with_capacity(groups.len());
    for (first, level, values) in &groups {
        if *level < nk {
            let mut r = rows[*first].clone();
            for c in rolled_columns(*level) {
                if let Some(v) = r.get_mut(c) {
                    *v = Value::Null;
                }
            }
            cx.mem.charge_row(&r)?;
            r.resize(width, Value::Null);
            r.extend(values.iter().cloned());
            out.push(r);
        } else {
            out.push(Vec::new());
        }
    }
    for ((first, level, values), slot) in groups.into_iter().zip(&mut out) {
        if level == nk {
            let mut r = std::mem::take(&mut rows[first]);
            r.resize(width, Value::Null);
            r.extend(values);
            *slot = r;
        }
    }
    Ok(out)
}

/// Whether grouping folds `a` (window functions and GROUPING() are computed elsewhere).
fn folded(a: &AggSpec) -> bool {
    a.over.is_none() && a.func != AggFunc::Grouping
}

/// One row's aggregate arguments and GROUP_CONCAT ORDER BY keys, evaluated once for
/// every group (ROLLUP level) the row folds into: warnings once, RAND() consistent.
#[derive(Default)]
pub(crate) struct AggInputs {
    vals: Vec<Option<Value>>,
    concat_keys: Vec<Option<Vec<Value>>>,
}

impl AggInputs {
    pub(crate) fn eval(&mut self, row: &[Value], aggs: &[AggSpec], cx: &EvalCx) -> SqlResult<()> {
        self.vals.clear();
        self.concat_keys.clear();
        for a in aggs {
            self.concat_keys.push(match &a.concat {
                Some(c) if folded(a) => Some(
                    c.order
                        .iter()
                        .map(|(e, _, _)| e.eval(row, cx))
                        .collect::<SqlResult<Vec<_>>>()?,
                ),
                _ => None,
            });
            self.vals.push(match &a.arg {
                Some(e) if folded(a) => Some(e.eval(row, cx)?),
                _ => None,
            });
        }
        Ok(())
    }
}

/// The aggregates of one group folded so far.
pub(crate) struct GroupFold {
    states: Vec<AggState>,
    /// DISTINCT arguments, folded once the group closes.
    seen: Vec<Vec<Value>>,
}

impl GroupFold {
    pub(crate) fn new(aggs: &[AggSpec]) -> GroupFold {
        GroupFold {
            states: aggs.iter().map(AggState::new).collect(),
            seen: vec![Vec::new(); aggs.len()],
        }
    }

    /// Folds one row's inputs.
    pub(crate) fn add(
        &mut self,
        aggs: &[AggSpec],
        inputs: &AggInputs,
        cx: &EvalCx,
    ) -> SqlResult<()> {
        for (k, a) in aggs.iter().enumerate() {
            if !folded(a) {
                continue;
            }
            let v = inputs.vals[k].clone();
            if let Some(keys) = &inputs.concat_keys[k] {
                self.states[k].add_concat(v, keys.clone(), cx)?;
                continue;
            }
            if a.distinct {
                if let Some(x) = v {
                    if !x.is_null() {
                        cx.mem
                            .charge(super::memory::row_bytes(std::slice::from_ref(&x)))?;
                        self.seen[k].push(x);
                    }
                    continue;
                }
            }
            self.states[k].add(a, v, cx)?;
        }
        Ok(())
    }

    /// The group's aggregate values; `grouping` and `level` give GROUPING()'s bits
    /// (the GROUP BY positions each one reads, and how many keys the group keeps).
    pub(crate) fn close(
        self,
        aggs: &[AggSpec],
        grouping: &[Vec<usize>],
        level: usize,
        cx: &EvalCx,
    ) -> SqlResult<Vec<Value>> {
        let GroupFold {
            mut states,
            mut seen,
        } = self;
        // DISTINCT arguments: sorted and deduplicated once per group (n log n, not n²);
        // a stable sort keeps the first of equal values, as the row order gave them.
        for (k, (s, a)) in states.iter_mut().zip(aggs).enumerate() {
            if !a.distinct || seen[k].is_empty() {
                continue;
            }
            let mut vals = std::mem::take(&mut seen[k]);
            vals.sort_by(|x, y| sort_cmp(x, y, a.collation));
            vals.dedup_by(|x, y| sort_cmp(x, y, a.collation) == Ordering::Equal);
            for v in vals {
                s.add(a, Some(v), cx)?;
            }
        }
        Ok(states
            .into_iter()
            .zip(aggs)
            .enumerate()
            .map(|(k, (s, a))| {
                if a.func == AggFunc::Grouping {
                    let at = grouping.get(k).map_or(&[][..], Vec::as_slice);
                    let bits = at
                        .iter()
                        .fold(0i64, |b, &p| (b << 1) | i64::from(p >= level));
                    Value::Int(bits)
                } else if folded(a) {
                    s.finish(a, cx)
                } else {
                    Value::Null
                }
            })
            .collect())
    }
}

/// The running value of one aggregate: grouping folds a group's rows into it, the window
/// stage a frame's rows.
#[derive(Clone)]
pub(crate) enum AggState {
    Count(i64),
    /// SUM/AVG: the running sum and the count of values. While every value so far is
    /// an integer summed into a DECIMAL, the sum stays in `ints` (exact, no decimal
    /// arithmetic per row) and `acc` is None.
    Sum {
        acc: Option<Value>,
        ints: Option<i128>,
        n: i64,
    },
    MinMax(Option<Value>),
    Bits(u64),
    /// GROUP_CONCAT: each value's text with its ORDER BY keys, sorted, deduplicated
    /// (DISTINCT) and joined at the end.
    Concat(Vec<(Vec<u8>, Vec<Value>)>),
    /// STDDEV/VARIANCE: count, mean and sum of squared deviations (Welford's update, in
    /// DOUBLE as MySQL computes them).
    Var {
        n: i64,
        mean: f64,
        m2: f64,
    },
}

impl AggState {
    pub(crate) fn new(a: &AggSpec) -> Self {
        match a.func {
            AggFunc::Count => AggState::Count(0),
            AggFunc::Sum | AggFunc::Avg => AggState::Sum {
                acc: None,
                ints: None,
                n: 0,
            },
            AggFunc::Min | AggFunc::Max => AggState::MinMax(None),
            AggFunc::BitAnd => AggState::Bits(u64::MAX),
            AggFunc::BitOr | AggFunc::BitXor => AggState::Bits(0),
            AggFunc::GroupConcat => AggState::Concat(Vec::new()),
            AggFunc::StdPop | AggFunc::StdSamp | AggFunc::VarPop | AggFunc::VarSamp => {
                AggState::Var {
                    n: 0,
                    mean: 0.0,
                    m2: 0.0,
                }
            }
            // Never folded: grouping and the window stage compute these themselves.
            AggFunc::Grouping | AggFunc::Window => AggState::MinMax(None),
        }
    }

    pub(crate) fn add(&mut self, a: &AggSpec, v: Option<Value>, cx: &EvalCx) -> SqlResult<()> {
        if let Some(Value::Null) = v {
            return Ok(());
        }
        match self {
            AggState::Count(n) => *n += 1,
            AggState::Sum { acc, ints, n } => {
                let v = v.unwrap_or(Value::Null);
                *n += 1;
                if acc.is_none() {
                    let int = match (&a.ty, &v) {
                        (Some(SqlType::Decimal { .. }), Value::Int(i)) => Some(i128::from(*i)),
                        (Some(SqlType::Decimal { .. }), Value::UInt(u)) => Some(i128::from(*u)),
                        _ => None,
                    };
                    if let Some(sum) = int.and_then(|x| ints.unwrap_or(0).checked_add(x)) {
                        *ints = Some(sum);
                        return Ok(());
                    }
                    // Not an integer (or past i128): go on in decimal arithmetic.
                    *acc = ints
                        .take()
                        .map(|i| Value::Decimal(Decimal::from_i128(i, 0)));
                }
                let v = match (&a.ty, v) {
                    (Some(SqlType::Decimal { .. }), Value::Int(i)) => {
                        Value::Decimal(Decimal::from_i64(i))
                    }
                    (Some(SqlType::Decimal { .. }), Value::UInt(u)) => {
                        Value::Decimal(Decimal::from_u64(u))
                    }
                    (_, v) => v,
                };
                *acc = Some(match acc.take() {
                    None => v,
                    Some(x) => Expr::Arith(
                        super::expr::ArithOp::Add,
                        Box::new(Expr::Lit(x)),
                        Box::new(Expr::Lit(v)),
                    )
                    .eval(&[], cx)?,
                });
            }
            AggState::MinMax(cur) => {
                let v = v.unwrap_or(Value::Null);
                let replace = match cur {
                    None => true,
                    Some(c) => {
                        let o = sort_cmp(&v, c, a.collation);
                        (a.func == AggFunc::Min && o == Ordering::Less)
                            || (a.func == AggFunc::Max && o == Ordering::Greater)
                    }
                };
                if replace {
                    *cur = Some(v);
                }
            }
            AggState::Bits(b) => {
                let x = match v {
                    Some(Value::Int(i)) => i as u64,
                    Some(Value::UInt(u)) => u,
                    Some(o) => o.to_f64().unwrap_or(0.0) as u64,
                    None => 0,
                };
                match a.func {
                    AggFunc::BitAnd => *b &= x,
                    AggFunc::BitOr => *b |= x,
                    _ => *b ^= x,
                }
            }
            AggState::Concat(_) => self.add_concat(v, Vec::new(), cx)?,
            AggState::Var { n, mean, m2 } => {
                let x = v.and_then(|v| v.to_f64()).unwrap_or(0.0);
                *n += 1;
                let d = x - *mean;
                *mean += d / *n as f64;
                *m2 += d * (x - *mean);
            }
        }
        Ok(())
    }

    /// One GROUP_CONCAT value and its ORDER BY keys; what it holds is charged to the
    /// statement's memory account.
    fn add_concat(&mut self, v: Option<Value>, keys: Vec<Value>, cx: &EvalCx) -> SqlResult<()> {
        let AggState::Concat(parts) = self else {
            return Ok(());
        };
        if let Some(t) = v.and_then(|v| v.to_text()) {
            cx.mem
                .charge(t.len() as u64 + super::memory::row_bytes(&keys))?;
            parts.push((t, keys));
        }
        Ok(())
    }

    pub(crate) fn finish(self, a: &AggSpec, cx: &EvalCx) -> Value {
        match self {
            AggState::Count(n) => Value::Int(n),
            AggState::Sum { acc, ints, n } => {
                let Some(v) = acc.or(ints.map(|i| Value::Decimal(Decimal::from_i128(i, 0)))) else {
                    return Value::Null;
                };
                if a.func == AggFunc::Sum {
                    return v;
                }
                match v {
                    Value::Decimal(d) => d
                        .div(&Decimal::from_i64(n))
                        .ok()
                        .flatten()
                        .map(Value::Decimal)
                        .unwrap_or(Value::Null),
                    other => Value::Double(other.to_f64().unwrap_or(0.0) / n as f64),
                }
            }
            AggState::MinMax(v) => v.unwrap_or(Value::Null),
            AggState::Bits(b) => Value::UInt(b),
            AggState::Concat(parts) => concat_group(parts, a, cx),
            AggState::Var { n, m2, .. } => {
                let samp = matches!(a.func, AggFunc::StdSamp | AggFunc::VarSamp);
                let d = if samp { n - 1 } else { n };
                if n == 0 || d == 0 {
                    return Value::Null;
                }
                let var = m2 / d as f64;
                match a.func {
                    AggFunc::StdPop | AggFunc::StdSamp => Value::Double(var.sqrt()),
                    _ => Value::Double(var),
                }
            }
        }
    }
}

/// GROUP_CONCAT's result: the values in ORDER BY order (stable, so equal keys keep the
/// rows' order), duplicates dropped under DISTINCT, joined by the separator and cut to
/// group_concat_max_len bytes at a character boundary (warning 1260).
fn concat_group(mut parts: Vec<(Vec<u8>, Vec<Value>)>, a: &AggSpec, cx: &EvalCx) -> Value {
    if parts.is_empty() {
        return Value::Null;
    }
    let default = super::expr::ConcatSpec {
        order: Vec::new(),
        separator: b",".to_vec(),
        max_len: 1024,
    };
    let spec = a.concat.as_ref().unwrap_or(&default);
    if a.distinct {
        // The first of equal values stays, in the rows' order.
        let mut idx: Vec<usize> = (0..parts.len()).collect();
        let text = |i: usize| Value::Bytes(parts[i].0.clone());
        idx.sort_by(|&x, &y| sort_cmp(&text(x), &text(y), a.collation).then(x.cmp(&y)));
        idx.dedup_by(|x, y| sort_cmp(&text(*x), &text(*y), a.collation) == Ordering::Equal);
        if !spec.order.is_empty() {
            // Without ORDER BY the distinct values come sorted, as MySQL's and MariaDB's
            // duplicate-removing tree gives them.
            idx.sort_unstable();
        } else {
            return join_cut(idx.into_iter().map(|i| &parts[i].0), spec, cx);
        }
        let mut keep = vec![false; parts.len()];
        idx.into_iter().for_each(|i| keep[i] = true);
        let mut k = keep.into_iter();
        parts.retain(|_| k.next().unwrap_or(false));
    }
    if !spec.order.is_empty() {
        parts.sort_by(|(_, x), (_, y)| {
            for (i, (_, desc, coll)) in spec.order.iter().enumerate() {
                let o = sort_cmp(&x[i], &y[i], *coll);
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    join_cut(parts.iter().map(|(t, _)| t), spec, cx)
}

fn join_cut<'a>(
    parts: impl Iterator<Item = &'a Vec<u8>>,
    spec: &super::expr::ConcatSpec,
    cx: &EvalCx,
) -> Value {
    let mut out = Vec::new();
    let mut n = 0;
    let max = usize::try_from(spec.max_len).unwrap_or(usize::MAX);
    for (i, t) in parts.enumerate() {
        n = i + 1;
        if i > 0 {
            out.extend_from_slice(&spec.separator);
        }
        out.extend_from_slice(t);
        if out.len() > max {
            break;
        }
    }
    if out.len() > max {
        let mut cut = max;
        // Back to the start of a UTF-8 character.
        while cut > 0 && cut < out.len() && out[cut] & 0xC0 == 0x80 {
            cut -= 1;
        }
        out.truncate(cut);
        cx.warnings.borrow_mut().push(crate::value::Warning::warn(
            1260,
            format!("Row {n} was cut by GROUP_CONCAT()"),
        ));
    }
    Value::Bytes(out)
}

/// Marks the columns `cols` of table or view `db`.`name` that `sec` may not read
/// ([`ScopeCol::denied`]), when `sec` reads it by column privileges alone.
pub(crate) fn mark_unreadable_by(
    sec: &super::privilege::Security,
    cols: &mut [ScopeCol],
    db: &str,
    name: &str,
) {
    if sec.is_unrestricted() {
        return;
    }
    let Some(allowed) = sec.column_limits(privs::SELECT, db, name) else {
        return;
    };
    for c in cols {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&c.name)) {
            let column = sec.column_denied("SELECT", &c.name, name);
            let table = sec
                .table(privs::SELECT, "SELECT", db, name)
                .err()
                .unwrap_or_else(|| column.clone());
            c.denied = Some(Arc::new(super::expr::Denied {
                column: column.message,
                table: table.message,
            }));
        }
    }
}
