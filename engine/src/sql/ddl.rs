//! DDL: databases, tables, indexes; and SHOW CREATE TABLE's rendering.
//!
//! Every change writes catalog entries in the statement's transaction and bumps
//! the catalog version, so DDL commits atomically with its data changes (a
//! rebuilt table's rows, a new index's entries) and forks with the cluster.

use std::sync::Arc;

use sqlparser::ast;

use sqlparser::ast::Spanned;

use super::catalog::{
    self, ColumnDef, ColumnDefault, DatabaseDef, IndexColumn, IndexDef, IndexKind, TableDef,
    CATALOG_TREE,
};
use super::check::CheckSpec;
use super::error::{SqlError, SqlResult};
use super::exec::{decode, Exec, Path, RowSet};
use crate::storage::page::Bytes;
use crate::value::keycode::{encode_key_part, KeyPart};
use crate::value::row::encode_row;
use crate::value::{coerce_for_column, Collation, IntKind, LobKind, SqlType, Value};

/// Bumps the catalog version inside the statement's transaction.
pub fn bump_version(ex: &mut Exec) -> SqlResult<()> {
    let v = ex.catalog.version + 1;
    ex.reader
        .tx()?
        .put(CATALOG_TREE, &catalog::version_key(), &v.to_le_bytes())?;
    Ok(())
}

/// Makes sure the catalog tree exists (first DDL on a fresh cluster).
pub fn ensure_catalog(tx: &mut crate::storage::Transaction) -> SqlResult<()> {
    if !tx.has_tree(CATALOG_TREE) {
        tx.create_tree_with_id(CATALOG_TREE)?;
    }
    Ok(())
}

fn charset_collation(
    cs: Option<&str>,
    coll: Option<&str>,
    default: Collation,
) -> SqlResult<Collation> {
    if let Some(c) = coll {
        return Collation::from_name(c)
            .ok_or_else(|| SqlError::new(1273, format!("Unknown collation: '{c}'")));
    }
    if let Some(cs) = cs {
        return Collation::default_for_charset(cs)
            .ok_or_else(|| SqlError::new(1115, format!("Unknown character set: '{cs}'")));
    }
    Ok(default)
}

fn len_of(l: &Option<ast::CharacterLength>) -> Option<u32> {
    match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => Some(*length as u32),
        _ => None,
    }
}

/// The collation name front.rs puts for MySQL's BINARY column attribute.
pub const BINARY_ATTR: &str = "__borealis_binary_attr";

/// Maps a column's data type.
pub fn sql_type(dt: &ast::DataType, coll: Collation) -> SqlResult<SqlType> {
    use ast::DataType as D;
    let int = |kind, unsigned, w: &Option<u64>| SqlType::Int {
        kind,
        unsigned,
        width: w.map(|w| w.min(255) as u8),
    };
    let dec = |info: &ast::ExactNumberInfo| -> SqlResult<SqlType> {
        let (p, s) = match info {
            ast::ExactNumberInfo::None => (10, 0),
            ast::ExactNumberInfo::Precision(p) => (*p, 0),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p, *s as u64),
        };
        if p > 65 {
            return Err(SqlError::new(
                1426,
                format!("Too-big precision {p} specified. Maximum is 65."),
            ));
        }
        if s > 30 {
            return Err(SqlError::new(
                1425,
                format!("Too big scale {s} specified. Maximum is 30."),
            ));
        }
        if s > p {
            return Err(SqlError::new(
                1427,
                "For float(M,D), double(M,D) or decimal(M,D), M must be >= D",
            ));
        }
        Ok(SqlType::Decimal {
            precision: p as u8,
            scale: s as u8,
        })
    };
    let fsp = |p: &Option<u64>| -> SqlResult<u8> {
        match p {
            Some(p) if *p > 6 => Err(SqlError::new(
                1426,
                format!("Too-big precision {p} specified. Maximum is 6."),
            )),
            Some(p) => Ok(*p as u8),
            None => Ok(0),
        }
    };
    Ok(match dt {
        D::TinyInt(w) => int(IntKind::Tiny, false, w),
        D::TinyIntUnsigned(w) => int(IntKind::Tiny, true, w),
        D::SmallInt(w) => int(IntKind::Small, false, w),
        D::SmallIntUnsigned(w) => int(IntKind::Small, true, w),
        D::MediumInt(w) => int(IntKind::Medium, false, w),
        D::MediumIntUnsigned(w) => int(IntKind::Medium, true, w),
        D::Int(w) | D::Integer(w) => int(IntKind::Int, false, w),
        D::IntUnsigned(w) | D::IntegerUnsigned(w) => int(IntKind::Int, true, w),
        D::BigInt(w) => int(IntKind::Big, false, w),
        // MySQL's INT2, INT4 and INT8 are SMALLINT, INT and BIGINT.
        D::Int2(w) => int(IntKind::Small, false, w),
        D::Int2Unsigned(w) => int(IntKind::Small, true, w),
        D::Int4(w) => int(IntKind::Int, false, w),
        D::Int4Unsigned(w) => int(IntKind::Int, true, w),
        D::Int8(w) => int(IntKind::Big, false, w),
        D::Int8Unsigned(w) => int(IntKind::Big, true, w),
        D::BigIntUnsigned(w) => int(IntKind::Big, true, w),
        D::Bool | D::Boolean => SqlType::Int {
            kind: IntKind::Tiny,
            unsigned: false,
            width: Some(1),
        },
        D::Decimal(i) | D::Numeric(i) | D::Dec(i) | D::DecimalUnsigned(i) | D::DecUnsigned(i) => {
            dec(i)?
        }
        D::Float(_) | D::FloatUnsigned(_) | D::Float4 | D::Real => SqlType::Float,
        D::Double(_)
        | D::DoubleUnsigned(_)
        | D::DoublePrecision
        | D::DoublePrecisionUnsigned
        | D::Float8 => SqlType::Double,
        D::Char(l) | D::Character(l) if coll.is_binary() => SqlType::Binary {
            len: len_of(l).unwrap_or(1),
        },
        D::Varchar(l) | D::CharVarying(l) | D::CharacterVarying(l) | D::Nvarchar(l)
            if coll.is_binary() =>
        {
            match len_of(l) {
                Some(len) => SqlType::VarBinary { len },
                None => return Err(SqlError::new(1064, "VARCHAR needs a length")),
            }
        }
        D::TinyText | D::Text | D::MediumText | D::LongText if coll.is_binary() => SqlType::Blob {
            kind: match dt {
                D::TinyText => LobKind::Tiny,
                D::Text => LobKind::Normal,
                D::MediumText => LobKind::Medium,
                _ => LobKind::Long,
            },
        },
        D::Char(l) | D::Character(l) => SqlType::Char {
            len: len_of(l).unwrap_or(1),
            collation: coll,
        },
        D::Varchar(l) | D::CharVarying(l) | D::CharacterVarying(l) | D::Nvarchar(l) => {
            match len_of(l) {
                Some(len) => SqlType::VarChar {
                    len,
                    collation: coll,
                },
                None => return Err(SqlError::new(1064, "VARCHAR needs a length")),
            }
        }
        D::TinyText => SqlType::Text {
            kind: LobKind::Tiny,
            collation: coll,
        },
        D::Text => SqlType::Text {
            kind: LobKind::Normal,
            collation: coll,
        },
        D::MediumText => SqlType::Text {
            kind: LobKind::Medium,
            collation: coll,
        },
        D::LongText => SqlType::Text {
            kind: LobKind::Long,
            collation: coll,
        },
        D::Binary(l) => SqlType::Binary {
            len: l.unwrap_or(1) as u32,
        },
        D::Varbinary(l) => match l {
            Some(ast::BinaryLength::IntegerLength { length }) => SqlType::VarBinary {
                len: *length as u32,
            },
            _ => return Err(SqlError::new(1064, "VARBINARY needs a length")),
        },
        D::TinyBlob => SqlType::Blob {
            kind: LobKind::Tiny,
        },
        D::Blob(_) => SqlType::Blob {
            kind: LobKind::Normal,
        },
        D::MediumBlob => SqlType::Blob {
            kind: LobKind::Medium,
        },
        D::LongBlob => SqlType::Blob {
            kind: LobKind::Long,
        },
        D::JSON => SqlType::Json,
        D::Date => SqlType::Date,
        D::Datetime(p) => SqlType::DateTime { fsp: fsp(p)? },
        D::Timestamp(p, _) => SqlType::Timestamp { fsp: fsp(p)? },
        D::Time(p, _) => SqlType::Time { fsp: fsp(p)? },
        D::Enum(members, _) => SqlType::Enum {
            values: members
                .iter()
                .map(|m| match m {
                    ast::EnumMember::Name(n) => n.trim_end().to_string(),
                    ast::EnumMember::NamedValue(n, _) => n.trim_end().to_string(),
                })
                .collect(),
            collation: coll,
        },
        D::Bit(len) => SqlType::Bit {
            len: len.unwrap_or(1).clamp(1, 64) as u8,
        },
        D::Set(members) => {
            let values: Vec<String> = members.iter().map(|m| m.trim_end().to_string()).collect();
            if let Some(m) = values.iter().find(|m| m.contains(',')) {
                return Err(SqlError::new(
                    1367,
                    format!("Illegal set '{m}' value found during parsing"),
                ));
            }
            SqlType::Set {
                values,
                collation: coll,
            }
        }
        D::Custom(name, args)
            if args.is_empty()
                && crate::value::geometry::GeomKind::from_type_name(&name.to_string())
                    .is_some() =>
        {
            SqlType::Geometry {
                kind: crate::value::geometry::GeomKind::from_type_name(&name.to_string())
                    .unwrap_or(crate::value::geometry::GeomKind::Geometry),
                srid: None,
            }
        }
        D::Custom(name, args)
            if name.to_string().eq_ignore_ascii_case("year") && args.iter().all(|a| a == "4") =>
        {
            SqlType::Year
        }
        D::Custom(name, _) if name.to_string().eq_ignore_ascii_case("year") => SqlType::Year,
        // INT1 is TINYINT, INT3 and MIDDLEINT are MEDIUMINT; SERIAL is BIGINT UNSIGNED
        // (NOT NULL AUTO_INCREMENT UNIQUE, added by the caller).
        D::Custom(name, args) => {
            let w: Option<u64> = match args.as_slice() {
                [] => None,
                [w] => Some(w.parse().map_err(|_| {
                    SqlError::new(1064, format!("bad display width '{w}' for {name}"))
                })?),
                _ => return Err(SqlError::new(1064, format!("bad arguments for {name}"))),
            };
            match name.to_string().to_ascii_uppercase().as_str() {
                "INT1" => int(IntKind::Tiny, false, &w),
                "INT3" | "MIDDLEINT" => int(IntKind::Medium, false, &w),
                "SERIAL" if w.is_none() => int(IntKind::Big, true, &None),
                _ => {
                    return Err(SqlError::new(
                        1235,
                        format!(
                            "This version of Borealis doesn't yet support the column type '{dt}'"
                        ),
                    ))
                }
            }
        }
        other => {
            return Err(SqlError::new(
                1235,
                format!("This version of Borealis doesn't yet support the column type '{other}'"),
            ))
        }
    })
}

/// The ENGINE name as SHOW CREATE TABLE prints it. Every engine maps to the
/// one copy-on-write store; the name is kept so dumps round-trip.
pub fn engine_name(n: &str) -> String {
    match n.to_ascii_lowercase().as_str() {
        "innodb" => "InnoDB".into(),
        "myisam" => "MyISAM".into(),
        "aria" => "Aria".into(),
        "memory" => "MEMORY".into(),
        _ => n.to_string(),
    }
}

impl Exec<'_> {
    /// ALTER TABLE with table options only (ENGINE=, COMMENT=, AUTO_INCREMENT=,
    /// [DEFAULT] CHARSET/COLLATE=, CONVERT TO CHARACTER SET, ROW_FORMAT= ...).
    pub fn alter_table_options(
        &mut self,
        db: &str,
        name: &str,
        options: &[(String, String)],
    ) -> SqlResult<()> {
        let mut t = (*self.table_by(db, name)?).clone();
        let mut cs: Option<String> = None;
        let mut coll: Option<String> = None;
        let mut convert: Option<String> = None;
        for (k, v) in options {
            match k.as_str() {
                "ENGINE" => t.engine = engine_name(v),
                "COMMENT" => t.comment = v.clone(),
                "AUTO_INCREMENT" => {
                    t.auto_increment_start = v
                        .parse::<u64>()
                        .map_err(|_| {
                            SqlError::new(1064, format!("AUTO_INCREMENT = '{v}' is not a number"))
                        })?
                        .max(1);
                    self.shared.reset_counters(t.tree);
                }
                "CHARSET" | "CHARACTER SET" | "DEFAULT CHARSET" | "DEFAULT CHARACTER SET" => {
                    cs = Some(v.clone())
                }
                "COLLATE" | "DEFAULT COLLATE" => coll = Some(v.clone()),
                "CONVERT" => convert = Some(v.clone()),
                // Physical layout options have no meaning on the copy-on-write store.
                _ => {}
            }
        }
        if cs.is_some() || coll.is_some() || convert.is_some() {
            let c = charset_collation(
                convert.as_deref().or(cs.as_deref()),
                coll.as_deref(),
                t.collation,
            )?;
            if convert.is_some() {
                // Stored strings are UTF-8: re-labelling among utf8 collations is exact;
                // other character sets would need the data transcoded.
                let all_utf8 = t
                    .columns
                    .iter()
                    .filter(|x| x.ty.is_string())
                    .all(|x| x.ty.collation().is_utf8())
                    && c.is_utf8();
                if !all_utf8 {
                    return Err(SqlError::new(1235, "This version of Borealis doesn't yet support CONVERT TO a non-UTF-8 character set"));
                }
                for col in &mut t.columns {
                    set_collation(&mut col.ty, c);
                }
            }
            t.collation = c;
        }
        self.store_table(&t)
    }
}

fn set_collation(ty: &mut SqlType, c: Collation) {
    match ty {
        SqlType::Char { collation, .. }
        | SqlType::VarChar { collation, .. }
        | SqlType::Text { collation, .. }
        | SqlType::Enum { collation, .. }
        | SqlType::Set { collation, .. } => *collation = c,
        _ => {}
    }
}

/// DEFAULT as SHOW CREATE TABLE prints it (None: no DEFAULT clause).
pub fn default_text(c: &ColumnDef) -> Option<String> {
    match &c.default {
        ColumnDefault::None | ColumnDefault::Dropped => None,
        ColumnDefault::Null => Some("NULL".into()),
        ColumnDefault::CurrentTimestamp => Some(match c.ty.fsp() {
            0 => "CURRENT_TIMESTAMP".into(),
            f => format!("CURRENT_TIMESTAMP({f})"),
        }),
        ColumnDefault::Value(v) => v
            .to_text_as(&c.ty)
            .map(|t| String::from_utf8_lossy(&t).into_owned()),
    }
}

fn quote_ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// SHOW CREATE TABLE in MySQL 8's format (feeding it back re-creates the table).
pub fn show_create_table(t: &TableDef) -> String {
    show_create_table_with(t, None)
}

/// [`show_create_table`] with the table's next AUTO_INCREMENT value, shown (as MariaDB
/// does) when past 1: a dump restores the counter with the table.
pub fn show_create_table_with(t: &TableDef, auto_increment: Option<u64>) -> String {
    let mut lines = Vec::new();
    for c in &t.columns {
        let mut l = format!("  {} {}", quote_ident(&c.name), c.ty.mysql_name());
        if c.ty.is_string() && c.ty.collation() != t.collation && !c.ty.collation().is_binary() {
            // MySQL 8.0 names the character set only when it is not the table's.
            if c.ty.collation().charset() == t.collation.charset() {
                l.push_str(&format!(" COLLATE {}", c.ty.collation().name()));
            } else {
                l.push_str(&format!(
                    " CHARACTER SET {} COLLATE {}",
                    c.ty.collation().charset(),
                    c.ty.collation().name()
                ));
            }
        }
        if let Some(g) = &c.generated {
            l.push_str(&format!(
                " GENERATED ALWAYS AS ({}) {}",
                g.expr,
                if g.stored { "STORED" } else { "VIRTUAL" }
            ));
        }
        if !c.nullable {
            l.push_str(" NOT NULL");
        } else if matches!(c.ty, SqlType::Timestamp { .. }) && c.generated.is_none() {
            // As MySQL 8.0 prints it; without it a server with
            // explicit_defaults_for_timestamp=OFF makes the column NOT NULL.
            l.push_str(" NULL");
        }
        if let SqlType::Geometry { srid: Some(n), .. } = c.ty {
            l.push_str(&format!(" /*!80003 SRID {n} */"));
        }
        if c.auto_increment {
            l.push_str(" AUTO_INCREMENT");
        }
        match &c.default {
            ColumnDefault::None => {
                if c.nullable
                    && c.generated.is_none()
                    && !matches!(c.ty, SqlType::Text { .. } | SqlType::Blob { .. })
                {
                    l.push_str(" DEFAULT NULL");
                }
            }
            ColumnDefault::Null => l.push_str(" DEFAULT NULL"),
            ColumnDefault::Dropped => {}
            ColumnDefault::CurrentTimestamp => {
                l.push_str(&format!(" DEFAULT {}", default_text(c).unwrap_or_default()))
            }
            // MySQL prints a BIT default as the literal b'101', unquoted.
            ColumnDefault::Value(Value::UInt(_)) if matches!(c.ty, SqlType::Bit { .. }) => {
                l.push_str(&format!(" DEFAULT {}", default_text(c).unwrap_or_default()))
            }
            ColumnDefault::Value(v) => match v {
                Value::Int(_)
                | Value::UInt(_)
                | Value::Decimal(_)
                | Value::Double(_)
                | Value::Float(_)
                | Value::Year(_)
                | Value::Date(_)
                | Value::DateTime(_)
                | Value::Time(_)
                | Value::Bytes(_) => {
                    l.push_str(&format!(
                        " DEFAULT {}",
                        quote_str(&default_text(c).unwrap_or_default())
                    ));
                }
                Value::Null => l.push_str(" DEFAULT NULL"),
            },
        }
        if c.on_update_now {
            l.push_str(" ON UPDATE CURRENT_TIMESTAMP");
            if c.ty.fsp() > 0 {
                l.push_str(&format!("({})", c.ty.fsp()));
            }
        }
        if c.invisible {
            l.push_str(" /*!80023 INVISIBLE */");
        }
        if !c.comment.is_empty() {
            l.push_str(&format!(" COMMENT {}", quote_str(&c.comment)));
        }
        lines.push(l);
    }
    let key_cols = |cols: &[IndexColumn]| {
        cols.iter()
            .map(|ic| match ic.prefix {
                Some(p) => format!("{}({p})", quote_ident(&t.columns[ic.column].name)),
                None => quote_ident(&t.columns[ic.column].name),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    if !t.primary.is_empty() {
        lines.push(format!("  PRIMARY KEY ({})", key_cols(&t.primary)));
    }
    // FULLTEXT keys after the others, as MySQL sorts them.
    let (plain, fulltext): (Vec<&IndexDef>, Vec<&IndexDef>) =
        t.indexes.iter().partition(|x| !x.is_fulltext());
    for ix in plain.into_iter().chain(fulltext) {
        // A SPATIAL key's 32-byte prefix is implied (MySQL shows it in SHOW INDEX only).
        let cols = if ix.spatial {
            ix.columns
                .iter()
                .map(|ic| quote_ident(&t.columns[ic.column].name))
                .collect::<Vec<_>>()
                .join(",")
        } else {
            key_cols(&ix.columns)
        };
        lines.push(format!(
            "  {}KEY {} ({}){}",
            if ix.unique {
                "UNIQUE "
            } else if ix.spatial {
                "SPATIAL "
            } else if ix.is_fulltext() {
                "FULLTEXT "
            } else {
                ""
            },
            quote_ident(&ix.name),
            cols,
            // As MySQL 8.0 prints it (a server before 8.0 reads past it).
            if ix.invisible {
                " /*!80000 INVISIBLE */"
            } else {
                ""
            }
        ));
    }
    let mut fks: Vec<&catalog::ForeignKeyDef> = t.foreign_keys.iter().collect();
    fks.sort_by(|a, b| a.name.cmp(&b.name));
    for fk in fks {
        lines.push(format!("  {}", super::fk::fk_clause(&t.db, fk)));
    }
    for c in &t.checks {
        lines.push(format!("  {}", super::check::show_clause(c)));
    }
    let mut s = format!(
        "CREATE TABLE {} (\n{}\n) ENGINE={}",
        quote_ident(&t.name),
        lines.join(",\n"),
        t.engine
    );
    if let Some(n) = auto_increment.filter(|n| *n > 1) {
        s.push_str(&format!(" AUTO_INCREMENT={n}"));
    }
    s.push_str(&format!(
        " DEFAULT CHARSET={} COLLATE={}",
        t.collation.charset(),
        t.collation.name()
    ));
    if !t.comment.is_empty() {
        s.push_str(&format!(" COMMENT={}", quote_str(&t.comment)));
    }
    s
}

impl Exec<'_> {
    pub fn create_database(
        &mut self,
        name: &str,
        if_not_exists: bool,
        cs: Option<&str>,
        coll: Option<&str>,
    ) -> SqlResult<bool> {
        if self.catalog.dbs.contains_key(name) {
            if if_not_exists {
                return Ok(false);
            }
            return Err(SqlError::new(
                1007,
                format!("Can't create database '{name}'; database exists"),
            ));
        }
        if name.is_empty() || name.len() > 64 {
            return Err(SqlError::new(
                1102,
                format!("Incorrect database name '{name}'"),
            ));
        }
        let collation = charset_collation(cs, coll, Collation::Utf8mb4GeneralCi)?;
        let tx = self.reader.tx()?;
        ensure_catalog(tx)?;
        tx.put(
            CATALOG_TREE,
            &catalog::db_key(name),
            &catalog::encode_db(&DatabaseDef {
                name: name.into(),
                collation,
            }),
        )?;
        bump_version(self)?;
        Ok(true)
    }

    pub fn drop_database(&mut self, name: &str, if_exists: bool) -> SqlResult<u64> {
        if !self.catalog.dbs.contains_key(name) {
            if if_exists {
                return Ok(0);
            }
            return Err(SqlError::new(
                1008,
                format!("Can't drop database '{name}'; database doesn't exist"),
            ));
        }
        let tables: Vec<Arc<TableDef>> = self.catalog.tables_in(name).cloned().collect();
        for t in &tables {
            self.drop_table_def(t)?;
        }
        self.drop_db_programs(name)?;
        let views: Vec<_> = self.catalog.views_in(name).cloned().collect();
        for v in &views {
            self.reader
                .tx()?
                .delete(CATALOG_TREE, &catalog::view_key(&v.db, &v.name))?;
        }
        self.reader
            .tx()?
            .delete(CATALOG_TREE, &catalog::db_key(name))?;
        bump_version(self)?;
        Ok(tables.len() as u64)
    }

    fn drop_table_def(&mut self, t: &TableDef) -> SqlResult<()> {
        self.drop_table_triggers(&t.db, &t.name)?;
        let tx = self.reader.tx()?;
        tx.drop_tree(t.tree)?;
        for ix in &t.indexes {
            tx.drop_tree(ix.tree)?;
        }
        tx.delete(CATALOG_TREE, &catalog::table_key(&t.db, &t.name))?;
        self.shared.reset_counters(t.tree);
        Ok(())
    }

    fn db_for(&self, name: &ast::ObjectName) -> SqlResult<(String, String)> {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
            .collect();
        match parts.as_slice() {
            [t] => Ok((
                self.session
                    .current_db()
                    .ok_or_else(|| SqlError::new(1046, "No database selected"))?,
                t.clone(),
            )),
            [d, t] => Ok((d.clone(), t.clone())),
            _ => Err(SqlError::new(
                1103,
                format!("Incorrect table name '{name}'"),
            )),
        }
    }

    /// CREATE TABLE; returns false when IF NOT EXISTS found it.
    pub fn create_table(&mut self, ct: &ast::CreateTable) -> SqlResult<bool> {
        let (db, name) = self.db_for(&ct.name)?;
        let Some(dbdef) = self.catalog.dbs.get(&db).cloned() else {
            return Err(SqlError::new(1049, format!("Unknown database '{db}'")));
        };
        if self.catalog.table(&db, &name).is_some() || self.catalog.view(&db, &name).is_some() {
            if ct.if_not_exists {
                return Ok(false);
            }
            return Err(SqlError::new(
                1050,
                format!("Table '{name}' already exists"),
            ));
        }
        if name.is_empty() || name.len() > 64 {
            return Err(SqlError::new(
                1103,
                format!("Incorrect table name '{name}'"),
            ));
        }
        if let Some(like) = &ct.like {
            let src_name = match like {
                ast::CreateTableLikeKind::Parenthesized(l) | ast::CreateTableLikeKind::Plain(l) => {
                    &l.name
                }
            };
            let src = self.table(src_name)?;
            let mut t = (*src).clone();
            t.db = db.clone();
            t.name = name.clone();
            // As in MySQL, LIKE copies indexes but not foreign keys.
            t.foreign_keys.clear();
            // CHECK constraints come along under names of the new table
            // (`<table>_chk_N`): their names are unique in the database.
            for (i, c) in t.checks.iter_mut().enumerate() {
                c.name = format!("{name}_chk_{}", i + 1);
            }
            t.checks.sort_by(|a, b| a.name.cmp(&b.name));
            let tx = self.reader.tx()?;
            t.tree = tx.create_tree();
            for ix in &mut t.indexes {
                ix.tree = tx.create_tree();
            }
            t.created_us = self.cx.now_us.max(0) as u64;
            tx.put(
                CATALOG_TREE,
                &catalog::table_key(&db, &name),
                &catalog::encode_table(&t),
            )?;
            bump_version(self)?;
            return Ok(true);
        }
        if ct.query.is_some() {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support 'CREATE TABLE ... SELECT'",
            ));
        }
        // Table options.
        let mut engine = "InnoDB".to_string();
        let mut cs: Option<String> = None;
        let mut coll: Option<String> = None;
        let mut comment = String::new();
        let mut auto_start = 1u64;
        let opts: &[ast::SqlOption] = match &ct.table_options {
            ast::CreateTableOptions::None => &[],
            ast::CreateTableOptions::With(o)
            | ast::CreateTableOptions::Options(o)
            | ast::CreateTableOptions::Plain(o)
            | ast::CreateTableOptions::TableProperties(o) => o,
        };
        for o in opts {
            match o {
                ast::SqlOption::NamedParenthesizedList(l)
                    if l.key.value.eq_ignore_ascii_case("ENGINE") =>
                {
                    if let Some(n) = &l.name {
                        engine = engine_name(&n.value);
                    }
                }
                ast::SqlOption::KeyValue { key, value } => {
                    let v = match value {
                        ast::Expr::Value(v) => match &v.value {
                            ast::Value::SingleQuotedString(s)
                            | ast::Value::DoubleQuotedString(s) => s.clone(),
                            ast::Value::Number(n, _) => n.clone(),
                            other => other.to_string(),
                        },
                        ast::Expr::Identifier(i) => i.value.clone(),
                        other => other.to_string(),
                    };
                    match key.value.to_ascii_uppercase().as_str() {
                        "DEFAULT CHARSET"
                        | "CHARSET"
                        | "DEFAULT CHARACTER SET"
                        | "CHARACTER SET" => cs = Some(v),
                        "DEFAULT COLLATE" | "COLLATE" => coll = Some(v),
                        "AUTO_INCREMENT" => auto_start = v.parse().unwrap_or(1),
                        "COMMENT" => comment = v,
                        _ => {}
                    }
                }
                ast::SqlOption::Comment(c) => {
                    comment = match c {
                        ast::CommentDef::WithEq(s) | ast::CommentDef::WithoutEq(s) => s.clone(),
                    }
                }
                _ => {}
            }
        }
        if let Some(c) = &ct.comment {
            comment = match c {
                ast::CommentDef::WithEq(s) | ast::CommentDef::WithoutEq(s) => s.clone(),
            };
        }
        let table_coll = charset_collation(cs.as_deref(), coll.as_deref(), dbdef.collation)?;
        let mut columns = Vec::new();
        let mut primary: Vec<IndexColumn> = Vec::new();
        // (name, key parts, INVISIBLE) of each UNIQUE, plain and FULLTEXT key.
        type Key = (Option<String>, Vec<IndexColumn>, bool);
        let mut uniques: Vec<Key> = Vec::new();
        let mut keys: Vec<Key> = Vec::new();
        // Positions in `keys` of the SPATIAL ones.
        let mut spatial_keys: Vec<usize> = Vec::new();
        let mut fulltexts: Vec<Key> = Vec::new();
        for (i, c) in ct.columns.iter().enumerate() {
            let (col, pk, uniq) = self.column_def(c, table_coll)?;
            if columns
                .iter()
                .any(|x: &ColumnDef| x.name.eq_ignore_ascii_case(&col.name))
            {
                return Err(SqlError::new(
                    1060,
                    format!("Duplicate column name '{}'", col.name),
                ));
            }
            columns.push(col);
            if pk {
                primary = vec![IndexColumn {
                    column: i,
                    prefix: None,
                }];
            }
            if uniq {
                uniques.push((
                    None,
                    vec![IndexColumn {
                        column: i,
                        prefix: None,
                    }],
                    false,
                ));
            }
        }
        let resolve = |cols: &[ast::IndexColumn],
                       columns: &[ColumnDef]|
         -> SqlResult<Vec<IndexColumn>> {
            let (cols, _) = visibility(cols);
            let mut out = Vec::new();
            for ic in cols {
                let (name, prefix) = match &ic.column.expr {
                    ast::Expr::Identifier(i) => (i.value.clone(), None),
                    ast::Expr::Function(f) => {
                        let n = f.name.to_string();
                        let p = f.args.to_string();
                        let p: u32 = p.trim_matches(['(', ')']).trim().parse().unwrap_or(0);
                        (n.trim_matches('`').to_string(), Some(p))
                    }
                    other => return Err(SqlError::new(1235, format!("This version of Borealis doesn't yet support index expression '{other}'"))),
                };
                let Some(pos) = columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&name))
                else {
                    return Err(SqlError::new(
                        1072,
                        format!("Key column '{name}' doesn't exist in table"),
                    ));
                };
                check_indexable(&columns[pos])?;
                out.push(IndexColumn {
                    column: pos,
                    prefix,
                });
            }
            Ok(out)
        };
        for con in &ct.constraints {
            match con {
                ast::TableConstraint::PrimaryKey(pk) => {
                    // Refused as MySQL's parser does, before anything else is checked.
                    if visibility(&pk.columns).1 {
                        return Err(pk_invisible());
                    }
                    if !primary.is_empty() {
                        return Err(SqlError::new(1068, "Multiple primary key defined"));
                    }
                    primary = resolve(&pk.columns, &columns)?;
                }
                ast::TableConstraint::Unique(u) => uniques.push((
                    u.name
                        .as_ref()
                        .or(u.index_name.as_ref())
                        .map(|n| n.value.clone()),
                    resolve(&u.columns, &columns)?,
                    visibility(&u.columns).1,
                )),
                ast::TableConstraint::Index(ix) => keys.push((
                    ix.name.as_ref().map(|n| n.value.clone()),
                    resolve(&ix.columns, &columns)?,
                    visibility(&ix.columns).1,
                )),
                ast::TableConstraint::FulltextOrSpatial(sp) if !sp.fulltext => {
                    let cols = spatial_parts(&columns, resolve(&sp.columns, &columns)?)?;
                    spatial_keys.push(keys.len());
                    keys.push((
                        sp.opt_index_name.as_ref().map(|n| n.value.clone()),
                        cols,
                        visibility(&sp.columns).1,
                    ));
                }
                ast::TableConstraint::FulltextOrSpatial(f) => {
                    let cols = resolve(&f.columns, &columns)?;
                    fulltext_columns(&columns, &cols)?;
                    fulltexts.push((
                        f.opt_index_name.as_ref().map(|n| n.value.clone()),
                        cols,
                        visibility(&f.columns).1,
                    ));
                }
                ast::TableConstraint::ForeignKey(_) | ast::TableConstraint::Check(_) => {}
                other => {
                    return Err(SqlError::new(
                        1235,
                        format!("This version of Borealis doesn't yet support '{other}'"),
                    ))
                }
            }
        }
        let foreign: Vec<&ast::ForeignKeyConstraint> = ct
            .constraints
            .iter()
            .filter_map(|c| match c {
                ast::TableConstraint::ForeignKey(f) => Some(f),
                _ => None,
            })
            .collect();
        for pc in &primary {
            columns[pc.column].nullable = false;
            if matches!(columns[pc.column].default, ColumnDefault::Null) {
                return Err(SqlError::new(1171, "All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead"));
            }
        }
        if let Some(ai) = columns.iter().position(|c| c.auto_increment) {
            let keyed = primary.first().is_some_and(|p| p.column == ai)
                || uniques
                    .iter()
                    .chain(&keys)
                    .any(|(_, cols, _)| cols.first().is_some_and(|p| p.column == ai));
            if !keyed || columns.iter().filter(|c| c.auto_increment).count() > 1 {
                return Err(SqlError::new(1075, "Incorrect table definition; there can be only one auto column and it must be defined as a key"));
            }
        }
        let tx = self.reader.tx()?;
        let tree = tx.create_tree();
        let mut indexes = Vec::new();
        let mut used: Vec<String> = vec!["PRIMARY".into()];
        for ((unique, spatial, kind), (n, cols, invisible)) in uniques
            .into_iter()
            .map(|u| ((true, false, IndexKind::Btree), u))
            .chain(
                keys.into_iter()
                    .enumerate()
                    .map(|(i, k)| ((false, spatial_keys.contains(&i), IndexKind::Btree), k)),
            )
            .chain(
                fulltexts
                    .into_iter()
                    .map(|k| ((false, false, IndexKind::Fulltext), k)),
            )
        {
            let name = match n {
                Some(n) => n,
                None => {
                    let base = columns[cols[0].column].name.clone();
                    let mut cand = base.clone();
                    let mut k = 2;
                    while used.iter().any(|u| u.eq_ignore_ascii_case(&cand)) {
                        cand = format!("{base}_{k}");
                        k += 1;
                    }
                    cand
                }
            };
            if used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
                return Err(SqlError::new(1061, format!("Duplicate key name '{name}'")));
            }
            used.push(name.clone());
            indexes.push(IndexDef {
                name,
                unique,
                spatial,
                columns: cols,
                tree: tx.create_tree(),
                kind,
                invisible,
            });
        }
        let mut t = TableDef {
            db: db.clone(),
            name: name.clone(),
            tree,
            columns,
            primary,
            indexes,
            engine,
            collation: table_coll,
            comment,
            auto_increment_start: auto_start.max(1),
            created_us: self.cx.now_us.max(0) as u64,
            foreign_keys: Vec::new(),
            checks: Vec::new(),
        };
        self.validate_generated(&t)?;
        refuse_all_invisible(&t)?;
        refuse_invisible_primary(&t)?;
        for f in foreign {
            let (def, index_name) = self.foreign_key_def(&t, f)?;
            self.add_fk_index(&mut t, &def, index_name, &mut used)?;
            t.foreign_keys.push(def);
        }
        // CHECK constraints, column and table ones in the order written (that order
        // numbers the unnamed ones).
        let mut specs: Vec<((u64, u64), CheckSpec)> = Vec::new();
        for c in &ct.columns {
            for o in &c.options {
                if let ast::ColumnOption::Check(ck) = &o.option {
                    let mut spec = CheckSpec::from_ast(ck, Some(&c.name.value));
                    if spec.name.is_none() {
                        spec.name = o.name.as_ref().map(|n| n.value.clone());
                    }
                    specs.push((written_at(&ck.expr), spec));
                }
            }
        }
        for con in &ct.constraints {
            if let ast::TableConstraint::Check(ck) = con {
                specs.push((written_at(&ck.expr), CheckSpec::from_ast(ck, None)));
            }
        }
        specs.sort_by_key(|(at, _)| *at);
        let checks = self.check_defs(&t, specs.into_iter().map(|(_, s)| s).collect(), true)?;
        t.add_checks(checks);
        let tx = self.reader.tx()?;
        tx.put(
            CATALOG_TREE,
            &catalog::table_key(&db, &name),
            &catalog::encode_table(&t),
        )?;
        bump_version(self)?;
        Ok(true)
    }

    /// MySQL's checks of ENUM and SET member lists: at most 64 SET members (1097), and a
    /// member repeated under the column's collation is 1291 (a note when not strict).
    fn check_members(&mut self, column: &str, ty: &SqlType) -> SqlResult<()> {
        let (values, collation, kind) = match ty {
            SqlType::Set { values, collation } => (values, *collation, "SET"),
            SqlType::Enum { values, collation } => (values, *collation, "ENUM"),
            _ => return Ok(()),
        };
        if kind == "SET" && values.len() > crate::value::SET_MAX_MEMBERS {
            return Err(SqlError::new(
                1097,
                format!("Too many strings for column {column} and SET"),
            ));
        }
        for (i, v) in values.iter().enumerate() {
            // The message names the first of the equal members, as MySQL's does.
            if let Some(first) = values[..i]
                .iter()
                .find(|w| collation.equals(w.as_bytes(), v.as_bytes()))
            {
                let msg = format!("Column '{column}' has duplicated value '{first}' in {kind}");
                if self.session.strict() {
                    return Err(SqlError::new(1291, msg));
                }
                self.cx.warn(crate::value::Warning::note(1291, msg));
            }
        }
        Ok(())
    }

    /// One column definition: the column, whether it is PRIMARY KEY, whether UNIQUE.
    pub fn column_def(
        &mut self,
        c: &ast::ColumnDef,
        table_coll: Collation,
    ) -> SqlResult<(ColumnDef, bool, bool)> {
        let mut cs = None;
        let mut coll = None;
        for o in &c.options {
            match &o.option {
                ast::ColumnOption::CharacterSet(n) => cs = Some(n.to_string()),
                ast::ColumnOption::Collation(n) => coll = Some(n.to_string()),
                _ => {}
            }
        }
        // `VARCHAR(40) BINARY` (the parser front marks it, see front.rs): the _bin
        // collation of the column's character set.
        let binary_attr = coll.as_deref() == Some(BINARY_ATTR);
        if binary_attr {
            coll = None;
        }
        let mut coll = charset_collation(cs.as_deref(), coll.as_deref(), table_coll)?;
        if binary_attr && !coll.is_binary() {
            coll = Collation::from_name(&format!("{}_bin", coll.charset())).unwrap_or(coll);
        }
        if let ast::DataType::Bit(Some(n)) = &c.data_type {
            if *n > 64 {
                return Err(SqlError::new(
                    1439,
                    format!(
                        "Display width out of range for column '{}' (max = 64)",
                        c.name.value
                    ),
                ));
            }
        }
        let ty = sql_type(&c.data_type, coll)?;
        self.check_members(&c.name.value, &ty)?;
        let mut col = ColumnDef {
            name: c.name.value.clone(),
            ty: ty.clone(),
            nullable: true,
            default: ColumnDefault::None,
            auto_increment: false,
            on_update_now: false,
            comment: String::new(),
            generated: None,
            invisible: false,
        };
        let (mut pk, mut uniq) = (false, false);
        let mut explicit_null = false;
        for o in &c.options {
            match &o.option {
                ast::ColumnOption::Null => explicit_null = true,
                ast::ColumnOption::NotNull => col.nullable = false,
                ast::ColumnOption::Default(e) => {
                    let null = matches!(e, ast::Expr::Value(v) if v.value == ast::Value::Null);
                    if matches!(ty, SqlType::Geometry { .. }) && !null {
                        return Err(SqlError::new(
                            1101,
                            format!("BLOB, TEXT, GEOMETRY or JSON column '{}' can't have a default value", col.name),
                        ));
                    }
                    col.default = self.default_value(e, &ty, &col.name)?;
                }
                ast::ColumnOption::PrimaryKey(_) => pk = true,
                ast::ColumnOption::Unique(_) => uniq = true,
                ast::ColumnOption::Comment(s) => col.comment = s.clone(),
                ast::ColumnOption::OnUpdate(_) => col.on_update_now = true,
                ast::ColumnOption::DialectSpecific(toks) => {
                    if toks
                        .iter()
                        .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT"))
                    {
                        col.auto_increment = true;
                    }
                }
                ast::ColumnOption::CharacterSet(_) | ast::ColumnOption::Collation(_) => {}
                ast::ColumnOption::Generated {
                    generation_expr: Some(e),
                    generation_expr_mode,
                    ..
                } => {
                    col.generated = Some(super::catalog::Generated {
                        expr: super::check::clause_text(e),
                        stored: matches!(
                            generation_expr_mode,
                            Some(ast::GeneratedExpressionMode::Stored)
                        ),
                    });
                }
                ast::ColumnOption::Invisible => col.invisible = true,
                ast::ColumnOption::Srid(e) => {
                    let SqlType::Geometry { srid, .. } = &mut col.ty else {
                        return Err(SqlError::new(
                            1221,
                            "Incorrect usage of SRID and non-geometry column",
                        ));
                    };
                    let n = match e.as_ref() {
                        ast::Expr::Value(v) => match &v.value {
                            ast::Value::Number(n, _) => n.parse::<u32>().ok(),
                            _ => None,
                        },
                        _ => None,
                    };
                    let Some(n) = n else {
                        return Err(SqlError::new(
                            1064,
                            format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{e}'"),
                        ));
                    };
                    if !crate::value::geometry::KNOWN_SRIDS.contains(&n) {
                        return Err(SqlError::new(
                            3548,
                            format!("There's no spatial reference system with SRID {n}."),
                        ));
                    }
                    *srid = Some(n);
                }
                ast::ColumnOption::Check(_) | ast::ColumnOption::ForeignKey(_) => {}
                other => {
                    return Err(SqlError::new(
                        1235,
                        format!(
                            "This version of Borealis doesn't yet support column option '{other}'"
                        ),
                    ))
                }
            }
        }
        // MySQL's grammar takes neither after (or before) AS (expr).
        if col.generated.is_some()
            && (col.default != ColumnDefault::None || col.auto_increment || col.on_update_now)
        {
            let word = if col.default != ColumnDefault::None {
                "DEFAULT"
            } else if col.auto_increment {
                "AUTO_INCREMENT"
            } else {
                "ON UPDATE"
            };
            return Err(SqlError::new(
                1064,
                format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{word}' (not allowed on generated column '{}')", col.name),
            ));
        }
        if matches!(&c.data_type, ast::DataType::Custom(n, _) if n.to_string().eq_ignore_ascii_case("serial"))
        {
            col.nullable = false;
            col.auto_increment = true;
            uniq = true;
        }
        if pk {
            col.nullable = false;
        }
        if explicit_null && !col.nullable {
            return Err(SqlError::new(
                1067,
                format!("Invalid default value for '{}'", col.name),
            ));
        }
        if !col.nullable && col.default == ColumnDefault::Null {
            return Err(SqlError::new(
                1067,
                format!("Invalid default value for '{}'", col.name),
            ));
        }
        Ok((col, pk, uniq))
    }

    fn default_value(
        &mut self,
        e: &ast::Expr,
        ty: &SqlType,
        name: &str,
    ) -> SqlResult<ColumnDefault> {
        let is_now = |e: &ast::Expr| match e {
            ast::Expr::Function(f) => {
                let n = f.name.to_string().to_ascii_uppercase();
                matches!(
                    n.as_str(),
                    "CURRENT_TIMESTAMP" | "NOW" | "LOCALTIME" | "LOCALTIMESTAMP"
                )
            }
            ast::Expr::Identifier(i) => i.value.eq_ignore_ascii_case("CURRENT_TIMESTAMP"),
            _ => false,
        };
        if is_now(e) {
            if !matches!(ty, SqlType::DateTime { .. } | SqlType::Timestamp { .. }) {
                return Err(SqlError::new(
                    1067,
                    format!("Invalid default value for '{name}'"),
                ));
            }
            return Ok(ColumnDefault::CurrentTimestamp);
        }
        let v = self.const_expr(e)?;
        if v.is_null() {
            return Ok(ColumnDefault::Null);
        }
        match coerce_for_column(v, ty, true) {
            Ok((v, _)) => Ok(ColumnDefault::Value(v)),
            Err(_) => Err(SqlError::new(
                1067,
                format!("Invalid default value for '{name}'"),
            )),
        }
    }

    /// CREATE [OR REPLACE] [ALGORITHM=…] [DEFINER=…] [SQL SECURITY …] VIEW v [(cols)] AS
    /// SELECT …. The SELECT is checked by describing it, and stored with its table names
    /// qualified by the view's database.
    pub fn create_view(&mut self, cv: &ast::CreateView) -> SqlResult<()> {
        let (db, name) = self.db_for(&cv.name)?;
        if !self.catalog.dbs.contains_key(&db) {
            return Err(SqlError::new(1049, format!("Unknown database '{db}'")));
        }
        if cv.materialized || cv.temporary {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support MATERIALIZED or TEMPORARY views",
            ));
        }
        let exists = self.catalog.view(&db, &name).is_some();
        if self.catalog.table(&db, &name).is_some() || (exists && !cv.or_replace) {
            if cv.if_not_exists {
                return Ok(());
            }
            return Err(SqlError::new(
                1050,
                format!("Table '{name}' already exists"),
            ));
        }
        let mut query = (*cv.query).clone();
        let ctes = cv.query.as_ref();
        let _ = ast::visit_relations_mut(&mut query, |r: &mut ast::ObjectName| {
            if r.0.len() == 1 && !super::cte::names_cte(ctes, r) {
                r.0.insert(0, ast::ObjectNamePart::Identifier(ast::Ident::new(&db)));
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        let mut rs = self.describe_query(&query)?;
        let columns: Vec<String> = cv.columns.iter().map(|c| c.name.value.clone()).collect();
        if !columns.is_empty() && columns.len() != rs.columns.len() {
            return Err(SqlError::new(
                1353,
                "In definition of view, derived table or common table expression, SELECT list and column list have different column counts",
            ));
        }
        if columns.is_empty() {
            name_view_columns(&mut query, &mut rs);
        }
        let names: Vec<&str> = if columns.is_empty() {
            rs.columns.iter().map(|c| c.name.as_str()).collect()
        } else {
            columns.iter().map(String::as_str).collect()
        };
        for (i, n) in names.iter().enumerate() {
            if names[..i].iter().any(|m| m.eq_ignore_ascii_case(n)) {
                return Err(SqlError::new(1060, format!("Duplicate column name '{n}'")));
            }
        }
        let params = cv.params.as_ref();
        let view = catalog::ViewDef {
            db: db.clone(),
            name: name.clone(),
            query: query.to_string(),
            columns,
            algorithm: params
                .and_then(|p| p.algorithm.as_ref())
                .map(|a| a.to_string())
                .unwrap_or_else(|| "UNDEFINED".into()),
            // Stored as MySQL shows it, `user`@`host`; CURRENT_USER is the creator.
            definer: params
                .and_then(|p| p.definer.as_ref())
                .map(|d| super::privilege::split_definer(&d.to_string()))
                .filter(|(u, _)| !u.eq_ignore_ascii_case("CURRENT_USER"))
                .map(|(u, h)| super::progddl::quote_definer(&format!("{u}@{h}")))
                .unwrap_or_else(|| self.session.definer()),
            security: params
                .and_then(|p| p.security.as_ref())
                .map(|s| s.to_string())
                .unwrap_or_else(|| "DEFINER".into()),
        };
        self.reader.tx()?.put(
            CATALOG_TREE,
            &catalog::view_key(&db, &name),
            &catalog::encode_view(&view),
        )?;
        bump_version(self)
    }

    /// DROP VIEW [IF EXISTS] a, b.
    pub fn drop_views(&mut self, names: &[ast::ObjectName], if_exists: bool) -> SqlResult<()> {
        let mut missing = Vec::new();
        let mut found = Vec::new();
        for n in names {
            let (db, v) = self.db_for(n)?;
            match self.catalog.view(&db, &v) {
                Some(_) => found.push((db, v)),
                None => missing.push(format!("{db}.{v}")),
            }
        }
        if !missing.is_empty() {
            if !if_exists {
                return Err(SqlError::new(
                    1051,
                    format!("Unknown table '{}'", missing.join(",")),
                ));
            }
            for m in &missing {
                self.cx.warn(crate::value::Warning::note(
                    1051,
                    format!("Unknown table '{m}'"),
                ));
            }
        }
        for (db, v) in &found {
            self.reader
                .tx()?
                .delete(CATALOG_TREE, &catalog::view_key(db, v))?;
        }
        if !found.is_empty() {
            bump_version(self)?;
        }
        Ok(())
    }

    /// DROP TABLE [IF EXISTS] a, b: all or nothing, as MySQL reports the missing ones.
    pub fn drop_tables(
        &mut self,
        names: &[ast::ObjectName],
        if_exists: bool,
    ) -> SqlResult<Vec<String>> {
        let mut missing = Vec::new();
        let mut found = Vec::new();
        for n in names {
            let (db, t) = self.db_for(n)?;
            match self.catalog.table(&db, &t) {
                Some(def) => found.push(def.clone()),
                None => missing.push(format!("{db}.{t}")),
            }
        }
        if !missing.is_empty() && !if_exists {
            return Err(SqlError::new(
                1051,
                format!("Unknown table '{}'", missing.join(",")),
            ));
        }
        self.check_drop_parents(&found)?;
        for t in &found {
            self.drop_table_def(t)?;
        }
        if !found.is_empty() {
            bump_version(self)?;
        }
        Ok(missing)
    }

    /// Writes `t` to the catalog (after an ALTER).
    pub fn store_table(&mut self, t: &TableDef) -> SqlResult<()> {
        refuse_all_invisible(t)?;
        let tx = self.reader.tx()?;
        tx.put(
            CATALOG_TREE,
            &catalog::table_key(&t.db, &t.name),
            &catalog::encode_table(t),
        )?;
        bump_version(self)
    }

    /// Fills a new index tree from the table's rows; fails on duplicates for UNIQUE.
    pub fn build_index(&mut self, t: &TableDef, ix: &IndexDef) -> SqlResult<()> {
        self.reader.tx()?.watch_tree(t.tree);
        if ix.is_fulltext() {
            let mut entries = Vec::new();
            self.scan(t, &Path::Full, &[], false, &mut |pk, r| {
                for (k, v) in super::fulltext::entries(ix, &r, pk) {
                    entries.push((Bytes::from(k), Bytes::from(v)));
                }
                Ok(true)
            })?;
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let tx = self.reader.tx()?;
            if tx.created_here(ix.tree) {
                return Ok(tx.fill_created_tree(ix.tree, entries)?);
            }
            for (k, v) in entries {
                tx.put(ix.tree, &k, &v)?;
            }
            return Ok(());
        }
        if !ix.unique && self.reader.tx()?.created_here(ix.tree) {
            // Every entry is distinct (it ends with the primary key): read only the
            // indexed columns, sort the entries and load the new tree at once.
            let names: Vec<String> = ix
                .columns
                .iter()
                .map(|c| t.columns[c.column].name.clone())
                .collect();
            let mut entries = Vec::new();
            self.scan_columns(t, &Path::Full, &[], false, Some(&names), &mut |pk, r| {
                let (key, _) = index_entry(t, ix, &r, pk)?;
                entries.push((Bytes::from(key), Bytes::from(pk)));
                Ok(true)
            })?;
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            return Ok(self.reader.tx()?.fill_created_tree(ix.tree, entries)?);
        }
        let mut rows = Vec::new();
        self.scan(t, &Path::Full, &[], false, &mut |pk, r| {
            rows.push((pk.to_vec(), r));
            Ok(true)
        })?;
        for (pk, r) in rows {
            let (key, val) = index_entry(t, ix, &r, &pk)?;
            let tx = self.reader.tx()?;
            if ix.unique && tx.get(ix.tree, &key)?.is_some() && val.is_some() {
                return Err(duplicate_entry(t, Some(ix), &r));
            }
            tx.put(ix.tree, &key, val.as_deref().unwrap_or(&pk))?;
        }
        Ok(())
    }

    /// Rewrites every row of `old` into the layout of `new` (new trees).
    pub fn rebuild(
        &mut self,
        old: &TableDef,
        new: &mut TableDef,
        map: &[Option<usize>],
    ) -> SqlResult<()> {
        self.reader.tx()?.watch_tree(old.tree);
        let mut rows = Vec::new();
        self.scan(old, &Path::Full, &[], false, &mut |_, r| {
            rows.push(r);
            Ok(true)
        })?;
        {
            let tx = self.reader.tx()?;
            tx.drop_tree(old.tree)?;
            for ix in &old.indexes {
                tx.drop_tree(ix.tree)?;
            }
            new.tree = tx.create_tree();
            for ix in &mut new.indexes {
                ix.tree = tx.create_tree();
            }
        }
        let strict = self.session.strict();
        let mut hidden = 0u64;
        for (n, r) in rows.into_iter().enumerate() {
            let mut out = Vec::with_capacity(new.columns.len());
            for (i, c) in new.columns.iter().enumerate() {
                let v = match map.get(i).copied().flatten() {
                    Some(j) => r.get(j).cloned().unwrap_or(Value::Null),
                    None => match &c.default {
                        ColumnDefault::Value(v) => v.clone(),
                        ColumnDefault::CurrentTimestamp => Value::DateTime(self.cx.now),
                        _ => {
                            if c.nullable {
                                Value::Null
                            } else {
                                implicit_default(&c.ty)
                            }
                        }
                    },
                };
                let (v, _) =
                    crate::value::coerce_for_column_at(v, &c.ty, strict, &c.name, n as u64 + 1)?;
                if v.is_null() && !c.nullable {
                    return Err(SqlError::new(1138, "Invalid use of NULL value"));
                }
                out.push(v);
            }
            self.fill_generated(new, &mut out, n as u64 + 1, strict, true)?;
            self.enforce_checks(new, &out)?;
            hidden += 1;
            let pk = if new.primary.is_empty() {
                hidden.to_be_bytes().to_vec()
            } else {
                primary_key(new, &out)?
            };
            let tx = self.reader.tx()?;
            if tx.get(new.tree, &pk)?.is_some() {
                return Err(duplicate_entry(new, None, &out));
            }
            tx.put(new.tree, &pk, &encode_row(&out, &new.types())?)?;
            for ix in &new.indexes {
                if ix.is_fulltext() {
                    for (k, v) in super::fulltext::entries(ix, &out, &pk) {
                        tx.put(ix.tree, &k, &v)?;
                    }
                    continue;
                }
                let (key, val) = index_entry(new, ix, &out, &pk)?;
                if ix.unique && val.is_some() && tx.get(ix.tree, &key)?.is_some() {
                    return Err(duplicate_entry(new, Some(ix), &out));
                }
                tx.put(ix.tree, &key, val.as_deref().unwrap_or(&pk))?;
            }
        }
        self.shared.reset_counters(old.tree);
        Ok(())
    }

    /// Number of rows of `t` (for information_schema and SHOW TABLE STATUS).
    pub fn table_rows(&self, t: &TableDef) -> u64 {
        match &self.reader {
            crate::sql::exec::Reader::Tx(tx) => tx.snapshot().count(t.tree).unwrap_or(0),
            crate::sql::exec::Reader::Snap(s) => s.count(t.tree).unwrap_or(0),
        }
    }
}

/// The value a NOT NULL column gets when none is given and strict mode is off.
pub fn implicit_default(ty: &SqlType) -> Value {
    match ty {
        SqlType::Int { .. } | SqlType::Year => Value::Int(0),
        SqlType::Bit { .. } => Value::UInt(0),
        SqlType::Decimal { .. } => Value::Decimal(crate::value::Decimal::zero()),
        SqlType::Float | SqlType::Double => Value::Double(0.0),
        SqlType::Date => Value::Date(crate::value::temporal::Date::new(0, 0, 0)),
        SqlType::DateTime { .. } | SqlType::Timestamp { .. } => Value::DateTime(
            crate::value::temporal::DateTime::from_date(crate::value::temporal::Date::new(0, 0, 0)),
        ),
        SqlType::Time { .. } => Value::Time(crate::value::temporal::Time::from_micros(0)),
        SqlType::Enum { values, .. } => {
            Value::Bytes(values.first().cloned().unwrap_or_default().into_bytes())
        }
        SqlType::Json => Value::Bytes(b"null".to_vec()),
        _ => Value::Bytes(Vec::new()),
    }
}

pub(crate) fn key_part(t: &TableDef, ic: &IndexColumn) -> KeyPart {
    KeyPart {
        ty: t.columns[ic.column].ty.clone(),
        desc: false,
        prefix_chars: ic.prefix,
    }
}

/// The primary key bytes of a row.
pub fn primary_key(t: &TableDef, row: &[Value]) -> SqlResult<Vec<u8>> {
    let mut k = Vec::new();
    for ic in &t.primary {
        encode_key_part(&mut k, &row[ic.column], &key_part(t, ic))?;
    }
    Ok(k)
}

/// An index entry for a row: `(key, Some(pk))` for a unique entry without NULLs
/// (the key alone identifies it), else `(key ++ pk, None)` with value = pk.
pub fn index_entry(
    t: &TableDef,
    ix: &IndexDef,
    row: &[Value],
    pk: &[u8],
) -> SqlResult<(Vec<u8>, Option<Vec<u8>>)> {
    let mut k = Vec::new();
    let mut has_null = false;
    for ic in &ix.columns {
        has_null |= row[ic.column].is_null();
        encode_key_part(&mut k, &row[ic.column], &key_part(t, ic))?;
    }
    if ix.unique && !has_null {
        Ok((k, Some(pk.to_vec())))
    } else {
        k.extend_from_slice(pk);
        Ok((k, None))
    }
}

fn key_display(t: &TableDef, cols: &[IndexColumn], row: &[Value]) -> String {
    cols.iter()
        .map(|ic| {
            row[ic.column]
                .to_text_as(&t.columns[ic.column].ty)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|| "NULL".into())
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The 1062 error for `row` colliding on unique key `ix` of `t` (the primary key when
/// `None`). The key is named as MySQL 8.0.19+ names it, qualified by its table:
/// `Duplicate entry 'a-b' for key 't.uc'` and `'t.PRIMARY'` (MariaDB 10.11 leaves the
/// table out; applications and ORMs match MySQL's text).
pub fn duplicate_entry(t: &TableDef, ix: Option<&IndexDef>, row: &[Value]) -> SqlError {
    let (name, cols) = match ix {
        Some(ix) => (ix.name.as_str(), &ix.columns),
        None => ("PRIMARY", &t.primary),
    };
    SqlError::new(
        1062,
        format!(
            "Duplicate entry '{}' for key '{}.{}'",
            key_display(t, cols, row),
            t.name,
            name
        ),
    )
}

/// Encodes a full row for storage.
pub fn encode(t: &TableDef, row: &[Value]) -> SqlResult<Vec<u8>> {
    Ok(encode_row(row, &t.types())?)
}

#[allow(dead_code)]
fn unused(_: Bytes) {}

/// Re-decodes a stored row (helper for DML).
pub fn decode_stored(t: &TableDef, b: &[u8]) -> SqlResult<Vec<Value>> {
    decode(t, b)
}

impl Exec<'_> {
    /// Runs a DDL statement inside the statement's transaction; returns affected rows.
    pub fn ddl(&mut self, st: &ast::Statement) -> SqlResult<u64> {
        use ast::Statement as S;
        match st {
            S::CreateDatabase {
                db_name,
                if_not_exists,
                default_charset,
                default_collation,
                ..
            } => {
                let name = db_name.to_string().trim_matches('`').to_string();
                Ok(u64::from(self.create_database(
                    &name,
                    *if_not_exists,
                    default_charset.as_deref(),
                    default_collation.as_deref(),
                )?))
            }
            S::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => {
                let name = schema_name.to_string().trim_matches('`').to_string();
                Ok(u64::from(self.create_database(
                    &name,
                    *if_not_exists,
                    None,
                    None,
                )?))
            }
            S::CreateTable(ct) => {
                self.create_table(ct)?;
                Ok(0)
            }
            S::CreateView(cv) => {
                self.create_view(cv)?;
                Ok(0)
            }
            S::Drop {
                object_type,
                if_exists,
                names,
                table,
                ..
            } => match object_type {
                ast::ObjectType::Table => {
                    let missing = self.drop_tables(names, *if_exists)?;
                    for m in missing {
                        self.cx.warn(crate::value::Warning::note(
                            1051,
                            format!("Unknown table '{m}'"),
                        ));
                    }
                    Ok(0)
                }
                ast::ObjectType::Database | ast::ObjectType::Schema => {
                    let name = names
                        .first()
                        .map(|n| n.to_string().trim_matches('`').to_string())
                        .unwrap_or_default();
                    self.drop_database(&name, *if_exists)
                }
                ast::ObjectType::Index => {
                    let Some(tname) = table else {
                        return Err(SqlError::new(1064, "DROP INDEX needs ON table"));
                    };
                    let t = self.table(tname)?;
                    let iname = names
                        .first()
                        .map(|n| n.to_string().trim_matches('`').to_string())
                        .unwrap_or_default();
                    self.alter_drop_index(&t, &iname)?;
                    Ok(0)
                }
                ast::ObjectType::View => {
                    self.drop_views(names, *if_exists)?;
                    Ok(0)
                }
                other => Err(SqlError::new(
                    1235,
                    format!("This version of Borealis doesn't yet support 'DROP {other}'"),
                )),
            },
            S::CreateIndex(ci) => {
                let t = self.table(&ci.table_name)?;
                let name = match &ci.name {
                    Some(n) => n.to_string().trim_matches('`').to_string(),
                    None => return Err(SqlError::new(1064, "CREATE INDEX needs a name")),
                };
                if t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(&name)) {
                    if ci.if_not_exists {
                        return Ok(0);
                    }
                    return Err(SqlError::new(1061, format!("Duplicate key name '{name}'")));
                }
                let cols = index_columns(&t, &ci.columns)?;
                let invisible = visibility(&ci.columns).1;
                if matches!(&ci.using, Some(ast::IndexType::Custom(i)) if i.value == FULLTEXT_USING)
                {
                    fulltext_columns(&t.columns, &cols)?;
                    self.add_fulltext_index(&t, name, cols, invisible)?;
                    return Ok(0);
                }
                self.add_index(&t, name, ci.unique, false, cols, invisible)?;
                Ok(0)
            }
            S::Truncate(tr) => {
                for target in &tr.table_names {
                    let t = self.table(&target.name)?;
                    // MySQL 8.0: a parent of another table is not truncated (1701).
                    if self.fk_checks() {
                        if let Some((child, i)) = self
                            .catalog
                            .referencing(&t.db, &t.name)
                            .into_iter()
                            .find(|(c, _)| c.db != t.db || c.name != t.name)
                        {
                            return Err(SqlError::new(
                                1701,
                                format!(
                                    "Cannot truncate a table referenced in a foreign key constraint (`{}`.`{}`, {})",
                                    child.db,
                                    child.name,
                                    super::fk::fk_clause(&child.db, &child.foreign_keys[i])
                                ),
                            ));
                        }
                    }
                    let mut new = (*t).clone();
                    let tx = self.reader.tx()?;
                    tx.drop_tree(t.tree)?;
                    new.tree = tx.create_tree();
                    for ix in &mut new.indexes {
                        tx.drop_tree(ix.tree)?;
                        ix.tree = tx.create_tree();
                    }
                    self.shared.reset_counters(t.tree);
                    self.store_table(&new)?;
                    self.catalog = std::sync::Arc::new({
                        let mut c = (*self.catalog).clone();
                        c.tables
                            .insert((new.db.clone(), new.name.clone()), std::sync::Arc::new(new));
                        c.version += 1;
                        c
                    });
                }
                Ok(0)
            }
            S::RenameTable(renames) => {
                for r in renames {
                    let t = self.table(&r.old_name)?;
                    let (db, name) = self.db_for_pub(&r.new_name)?;
                    self.rename_table(&t, &db, &name)?;
                }
                Ok(0)
            }
            S::AlterTable(at) => {
                self.alter_table(at)?;
                Ok(0)
            }
            other => Err(SqlError::new(
                1235,
                format!("This version of Borealis doesn't yet support '{other}'"),
            )),
        }
    }

    pub fn db_for_pub(&self, name: &ast::ObjectName) -> SqlResult<(String, String)> {
        self.db_for(name)
    }

    fn rename_table(&mut self, t: &TableDef, db: &str, name: &str) -> SqlResult<()> {
        if self.catalog.table(db, name).is_some() {
            return Err(SqlError::new(
                1050,
                format!("Table '{name}' already exists"),
            ));
        }
        if !self.catalog.dbs.contains_key(db) {
            return Err(SqlError::new(1049, format!("Unknown database '{db}'")));
        }
        self.rename_table_triggers(&t.db, &t.name, db, name)?;
        let mut new = t.clone();
        new.db = db.to_string();
        new.name = name.to_string();
        // CHECK constraint names `<old>_chk_…` become `<new>_chk_…` (MySQL takes every
        // name with that prefix for a generated one); names stay unique in the database.
        let prefix = format!("{}_chk_", t.name);
        for c in &mut new.checks {
            if c.name.len() > prefix.len()
                && c.name.is_char_boundary(prefix.len())
                && c.name[..prefix.len()].eq_ignore_ascii_case(&prefix)
            {
                c.name = format!("{name}_chk_{}", &c.name[prefix.len()..]);
            }
        }
        new.checks.sort_by(|a, b| a.name.cmp(&b.name));
        for c in &new.checks {
            let taken = self.catalog.tables_in(db).any(|o| {
                !(o.db == t.db && o.name == t.name)
                    && o.checks
                        .iter()
                        .any(|x| x.name.eq_ignore_ascii_case(&c.name))
            });
            if taken {
                return Err(SqlError::new(
                    3822,
                    format!("Duplicate check constraint name '{}'.", c.name),
                ));
            }
        }
        // Generated foreign key names `<old>_ibfk_N` become `<new>_ibfk_N`, as in MySQL
        // 8.0; names stay unique in the database (1826).
        let prefix = format!("{}_ibfk_", t.name);
        for fk in &mut new.foreign_keys {
            let generated = fk.name.len() > prefix.len()
                && fk.name.is_char_boundary(prefix.len())
                && fk.name[..prefix.len()].eq_ignore_ascii_case(&prefix)
                && fk.name[prefix.len()..].bytes().all(|b| b.is_ascii_digit());
            if !generated {
                continue;
            }
            fk.name = format!("{name}_ibfk_{}", &fk.name[prefix.len()..]);
            let taken = self.catalog.tables_in(db).any(|o| {
                !(o.db == t.db && o.name == t.name)
                    && o.foreign_keys
                        .iter()
                        .any(|x| x.name.eq_ignore_ascii_case(&fk.name))
            });
            if taken {
                return Err(SqlError::new(
                    1826,
                    format!("Duplicate foreign key constraint name '{}'", fk.name),
                ));
            }
        }
        // Constraints that reference the table follow it, as in InnoDB.
        for fk in &mut new.foreign_keys {
            if fk.references(&t.db, &t.name) {
                fk.ref_db = db.to_string();
                fk.ref_table = name.to_string();
            }
        }
        self.reader
            .tx()?
            .delete(CATALOG_TREE, &catalog::table_key(&t.db, &t.name))?;
        self.store_table(&new)?;
        let mut c = (*self.catalog).clone();
        c.tables.remove(&(t.db.clone(), t.name.clone()));
        c.tables
            .insert((new.db.clone(), new.name.clone()), Arc::new(new));
        for (child, _) in c.referencing(&t.db, &t.name) {
            let mut ch = (*child).clone();
            for fk in &mut ch.foreign_keys {
                if fk.references(&t.db, &t.name) {
                    fk.ref_db = db.to_string();
                    fk.ref_table = name.to_string();
                }
            }
            self.reader.tx()?.put(
                CATALOG_TREE,
                &catalog::table_key(&ch.db, &ch.name),
                &catalog::encode_table(&ch),
            )?;
            c.tables
                .insert((ch.db.clone(), ch.name.clone()), Arc::new(ch));
        }
        c.version += 1;
        self.catalog = Arc::new(c);
        Ok(())
    }

    fn add_index(
        &mut self,
        t: &TableDef,
        name: String,
        unique: bool,
        spatial: bool,
        cols: Vec<IndexColumn>,
        invisible: bool,
    ) -> SqlResult<()> {
        let kind = IndexKind::Btree;
        self.add_index_of(t, name, (unique, spatial, invisible), cols, kind)
    }

    /// A FULLTEXT index `name` over `cols` (checked by [`fulltext_columns`]), filled
    /// from the rows there are.
    fn add_fulltext_index(
        &mut self,
        t: &TableDef,
        name: String,
        cols: Vec<IndexColumn>,
        invisible: bool,
    ) -> SqlResult<()> {
        if t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(&name)) {
            return Err(SqlError::new(1061, format!("Duplicate key name '{name}'")));
        }
        let flags = (false, false, invisible);
        self.add_index_of(t, name, flags, cols, IndexKind::Fulltext)
    }

    /// Adds index `name` (flags: unique, spatial, invisible) to `t`, filled from its rows.
    fn add_index_of(
        &mut self,
        t: &TableDef,
        name: String,
        (unique, spatial, invisible): (bool, bool, bool),
        cols: Vec<IndexColumn>,
        kind: IndexKind,
    ) -> SqlResult<()> {
        let tree = self.reader.tx()?.create_tree();
        let ix = IndexDef {
            name,
            unique,
            spatial,
            columns: cols,
            tree,
            kind,
            invisible,
        };
        self.build_index(t, &ix)?;
        let mut new = t.clone();
        new.indexes.push(ix);
        refuse_invisible_primary(&new)?;
        self.store_table(&new)?;
        self.replace_cached(new);
        Ok(())
    }

    fn alter_drop_index(&mut self, t: &TableDef, name: &str) -> SqlResult<()> {
        if name.eq_ignore_ascii_case("PRIMARY") {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support dropping the primary key",
            ));
        }
        let Some(pos) = t
            .indexes
            .iter()
            .position(|i| i.name.eq_ignore_ascii_case(name))
        else {
            return Err(SqlError::new(
                1091,
                format!("Can't DROP '{name}'; check that column/key exists"),
            ));
        };
        let mut new = t.clone();
        let ix = new.indexes.remove(pos);
        for fk in &t.foreign_keys {
            let cols: Option<Vec<usize>> = fk.columns.iter().map(|c| t.column(c)).collect();
            if cols.is_some_and(|c| {
                super::fk::has_index_on(t, &c) && !super::fk::has_index_on(&new, &c)
            }) {
                return Err(SqlError::new(
                    1553,
                    format!(
                        "Cannot drop index '{}': needed in a foreign key constraint",
                        ix.name
                    ),
                ));
            }
        }
        self.reader.tx()?.drop_tree(ix.tree)?;
        self.store_table(&new)?;
        self.replace_cached(new);
        Ok(())
    }

    /// Gives child `t` an index on the columns of `fk` when no index starts with them
    /// (InnoDB needs one to find the children), named `name` or, when that is taken,
    /// `name_2`, `name_3`, ...; its tree is filled from the table's rows.
    fn add_fk_index(
        &mut self,
        t: &mut TableDef,
        fk: &catalog::ForeignKeyDef,
        name: String,
        used: &mut Vec<String>,
    ) -> SqlResult<()> {
        let Some(cols) = fk
            .columns
            .iter()
            .map(|c| t.column(c))
            .collect::<Option<Vec<usize>>>()
        else {
            return Ok(());
        };
        if super::fk::has_index_on(t, &cols) {
            return Ok(());
        }
        let mut cand = name.clone();
        let mut k = 2;
        while used.iter().any(|u| u.eq_ignore_ascii_case(&cand)) {
            cand = format!("{name}_{k}");
            k += 1;
        }
        used.push(cand.clone());
        let ix = IndexDef {
            name: cand,
            unique: false,
            spatial: false,
            columns: cols
                .into_iter()
                .map(|column| IndexColumn {
                    column,
                    prefix: None,
                })
                .collect(),
            tree: self.reader.tx()?.create_tree(),
            kind: IndexKind::Btree,
            invisible: false,
        };
        self.build_index(t, &ix)?;
        t.indexes.push(ix);
        Ok(())
    }

    /// ALTER TABLE ... ADD [CONSTRAINT x] FOREIGN KEY: the constraint checked against its
    /// parent and, with `foreign_key_checks` on, against the rows already there (1452);
    /// an index on its columns made when none exists.
    fn alter_add_foreign_key(
        &mut self,
        t: &TableDef,
        f: &ast::ForeignKeyConstraint,
    ) -> SqlResult<()> {
        let (def, index_name) = self.foreign_key_def(t, f)?;
        let mut new = t.clone();
        new.foreign_keys.push(def.clone());
        if self.fk_checks() {
            let mut rows = Vec::new();
            self.scan(t, &Path::Full, &[], false, &mut |_, r| {
                rows.push(r);
                Ok(true)
            })?;
            for r in rows {
                self.check_one_parent(&new, &def, &r)?;
            }
        }
        let mut used: Vec<String> = std::iter::once("PRIMARY".to_string())
            .chain(t.indexes.iter().map(|i| i.name.clone()))
            .collect();
        self.add_fk_index(&mut new, &def, index_name, &mut used)?;
        self.store_table(&new)?;
        self.replace_cached(new);
        Ok(())
    }

    /// A renamed column of `t` keeps its place in the foreign keys that use it: those of
    /// `t` (updated in `t`, stored by the caller) and those of its children (stored here),
    /// as InnoDB renames them.
    fn rename_fk_column(&mut self, t: &mut TableDef, old: &str, new: &str) -> SqlResult<()> {
        let (db, name) = (t.db.clone(), t.name.clone());
        for fk in &mut t.foreign_keys {
            for c in fk
                .columns
                .iter_mut()
                .filter(|c| c.eq_ignore_ascii_case(old))
            {
                *c = new.to_string();
            }
            if fk.references(&db, &name) {
                for c in fk
                    .ref_columns
                    .iter_mut()
                    .filter(|c| c.eq_ignore_ascii_case(old))
                {
                    *c = new.to_string();
                }
            }
        }
        for (child, _) in self.catalog.referencing(&db, &name) {
            if child.db == db && child.name == name {
                continue;
            }
            let mut ch = (*child).clone();
            for fk in ch
                .foreign_keys
                .iter_mut()
                .filter(|f| f.references(&db, &name))
            {
                for c in fk
                    .ref_columns
                    .iter_mut()
                    .filter(|c| c.eq_ignore_ascii_case(old))
                {
                    *c = new.to_string();
                }
            }
            if ch != *child {
                self.store_table(&ch)?;
                self.replace_cached(ch);
            }
        }
        Ok(())
    }

    /// DROP COLUMN of a column a foreign key uses: 1828 in its child, 1829 in its parent.
    fn check_drop_fk_column(&mut self, t: &TableDef, col: &str) -> SqlResult<()> {
        if let Some(fk) = t
            .foreign_keys
            .iter()
            .find(|f| f.columns.iter().any(|c| c.eq_ignore_ascii_case(col)))
        {
            return Err(SqlError::new(
                1828,
                format!(
                    "Cannot drop column '{col}': needed in a foreign key constraint '{}'",
                    fk.name
                ),
            ));
        }
        for (child, i) in self.catalog.referencing(&t.db, &t.name) {
            let fk = &child.foreign_keys[i];
            if fk.ref_columns.iter().any(|c| c.eq_ignore_ascii_case(col)) {
                return Err(SqlError::new(
                    1829,
                    format!(
                        "Cannot drop column '{col}': needed in a foreign key constraint '{}' of table '{}'",
                        fk.name, child.name
                    ),
                ));
            }
        }
        Ok(())
    }

    fn replace_cached(&mut self, t: TableDef) {
        let mut c = (*self.catalog).clone();
        c.tables.insert((t.db.clone(), t.name.clone()), Arc::new(t));
        c.version += 1;
        self.catalog = Arc::new(c);
    }

    /// ALTER TABLE: index changes in place; column changes rebuild the table.
    pub fn alter_table(&mut self, at: &ast::AlterTable) -> SqlResult<()> {
        let mut t = (*self.table(&at.name)?).clone();
        use ast::AlterTableOperation as Op;
        for op in &at.operations {
            match op {
                Op::AddConstraint { constraint, .. } => match constraint {
                    ast::TableConstraint::Index(ix) => {
                        let cols = index_columns(&t, &ix.columns)?;
                        let name = ix
                            .name
                            .as_ref()
                            .map(|n| n.value.clone())
                            .unwrap_or_else(|| t.columns[cols[0].column].name.clone());
                        let invisible = visibility(&ix.columns).1;
                        self.add_index(&t, name, false, false, cols, invisible)?;
                    }
                    ast::TableConstraint::FulltextOrSpatial(sp) if !sp.fulltext => {
                        let cols = spatial_parts(&t.columns, index_columns(&t, &sp.columns)?)?;
                        let name = sp
                            .opt_index_name
                            .as_ref()
                            .map(|n| n.value.clone())
                            .unwrap_or_else(|| t.columns[cols[0].column].name.clone());
                        if t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(&name)) {
                            return Err(SqlError::new(
                                1061,
                                format!("Duplicate key name '{name}'"),
                            ));
                        }
                        let invisible = visibility(&sp.columns).1;
                        self.add_index(&t, name, false, true, cols, invisible)?;
                    }
                    ast::TableConstraint::FulltextOrSpatial(f) if f.fulltext => {
                        let cols = index_columns(&t, &f.columns)?;
                        fulltext_columns(&t.columns, &cols)?;
                        let name = match &f.opt_index_name {
                            Some(n) => n.value.clone(),
                            None => free_index_name(&t, &t.columns[cols[0].column].name),
                        };
                        self.add_fulltext_index(&t, name, cols, visibility(&f.columns).1)?;
                    }
                    ast::TableConstraint::Unique(u) => {
                        let cols = index_columns(&t, &u.columns)?;
                        let name = u
                            .name
                            .as_ref()
                            .or(u.index_name.as_ref())
                            .map(|n| n.value.clone())
                            .unwrap_or_else(|| t.columns[cols[0].column].name.clone());
                        let invisible = visibility(&u.columns).1;
                        self.add_index(&t, name, true, false, cols, invisible)?;
                    }
                    ast::TableConstraint::PrimaryKey(pk) => {
                        if visibility(&pk.columns).1 {
                            return Err(pk_invisible());
                        }
                        if !t.primary.is_empty() {
                            return Err(SqlError::new(1068, "Multiple primary key defined"));
                        }
                        let cols = index_columns(&t, &pk.columns)?;
                        let mut new = t.clone();
                        for c in &cols {
                            new.columns[c.column].nullable = false;
                        }
                        new.primary = cols;
                        let map: Vec<Option<usize>> = (0..t.columns.len()).map(Some).collect();
                        self.rebuild(&t, &mut new, &map)?;
                        self.store_table(&new)?;
                        self.replace_cached(new);
                    }
                    ast::TableConstraint::ForeignKey(f) => self.alter_add_foreign_key(&t, f)?,
                    ast::TableConstraint::Check(ck) => {
                        let defs =
                            self.check_defs(&t, vec![CheckSpec::from_ast(ck, None)], false)?;
                        self.validate_rows(&t, &defs)?;
                        let mut new = t.clone();
                        new.add_checks(defs);
                        self.store_table(&new)?;
                        self.replace_cached(new);
                    }
                    other => {
                        return Err(SqlError::new(
                            1235,
                            format!("This version of Borealis doesn't yet support 'ADD {other}'"),
                        ))
                    }
                },
                Op::DropIndex { name } => self.alter_drop_index(&t, &name.value)?,
                // `DROP CHECK name` arrives as DROP CONSTRAINT ... RESTRICT (see
                // `front::rewrite_tokens`).
                Op::DropConstraint {
                    name,
                    drop_behavior,
                    ..
                } => {
                    let only_check = matches!(drop_behavior, Some(ast::DropBehavior::Restrict));
                    if let Some(pos) = t.check(&name.value) {
                        let mut new = t.clone();
                        new.checks.remove(pos);
                        self.store_table(&new)?;
                        self.replace_cached(new);
                    } else if only_check {
                        return Err(check_not_found(&name.value));
                    } else if let Some(fk) = t.foreign_key(&name.value) {
                        let mut new = t.clone();
                        let n = fk.name.clone();
                        new.foreign_keys.retain(|f| f.name != n);
                        self.store_table(&new)?;
                        self.replace_cached(new);
                    } else if name.value.eq_ignore_ascii_case("PRIMARY")
                        || t.indexes
                            .iter()
                            .any(|ix| ix.unique && ix.name.eq_ignore_ascii_case(&name.value))
                    {
                        if name.value.eq_ignore_ascii_case("PRIMARY") {
                            return Err(SqlError::new(
                                1235,
                                "This version of Borealis doesn't yet support 'DROP CONSTRAINT PRIMARY'",
                            ));
                        }
                        self.alter_drop_index(&t, &name.value)?;
                    } else {
                        return Err(SqlError::new(
                            3940,
                            format!("Constraint '{}' does not exist.", name.value),
                        ));
                    }
                }
                // `ALTER CHECK name [NOT] ENFORCED` and `ALTER CONSTRAINT name [NOT]
                // ENFORCED` arrive as ENABLE/DISABLE TRIGGER and RULE (see
                // `front::rewrite_tokens`).
                Op::EnableTrigger { name }
                | Op::DisableTrigger { name }
                | Op::EnableRule { name }
                | Op::DisableRule { name } => {
                    let enforce = matches!(op, Op::EnableTrigger { .. } | Op::EnableRule { .. });
                    let Some(pos) = t.check(&name.value) else {
                        if matches!(op, Op::EnableTrigger { .. } | Op::DisableTrigger { .. }) {
                            return Err(check_not_found(&name.value));
                        }
                        return Err(SqlError::new(
                            3940,
                            format!("Constraint '{}' does not exist.", name.value),
                        ));
                    };
                    let mut new = t.clone();
                    new.checks[pos].enforced = enforce;
                    if enforce {
                        let c = new.checks[pos].clone();
                        self.validate_rows(&t, &[c])?;
                    }
                    self.store_table(&new)?;
                    self.replace_cached(new);
                }
                Op::DropForeignKey { name, .. } => {
                    let Some(pos) = t
                        .foreign_keys
                        .iter()
                        .position(|f| f.name.eq_ignore_ascii_case(&name.value))
                    else {
                        return Err(SqlError::new(
                            1091,
                            format!("Can't DROP '{}'; check that column/key exists", name.value),
                        ));
                    };
                    // The index made for it stays, as in MySQL.
                    let mut new = t.clone();
                    new.foreign_keys.remove(pos);
                    self.store_table(&new)?;
                    self.replace_cached(new);
                }
                Op::AddColumn {
                    column_def,
                    if_not_exists,
                    column_position,
                    ..
                } => {
                    if t.column(&column_def.name.value).is_some() {
                        if *if_not_exists {
                            continue;
                        }
                        return Err(SqlError::new(
                            1060,
                            format!("Duplicate column name '{}'", column_def.name.value),
                        ));
                    }
                    let (col, pk, uniq) = self.column_def(column_def, t.collation)?;
                    let mut new = t.clone();
                    let pos = match column_position {
                        None => new.columns.len(),
                        Some(ast::MySQLColumnPosition::First) => 0,
                        Some(ast::MySQLColumnPosition::After(a)) => {
                            new.column(&a.value).map(|i| i + 1).ok_or_else(|| {
                                SqlError::new(
                                    1054,
                                    format!("Unknown column '{}' in '{}'", a.value, t.name),
                                )
                            })?
                        }
                    };
                    new.columns.insert(pos, col);
                    let mut map: Vec<Option<usize>> = (0..t.columns.len()).map(Some).collect();
                    map.insert(pos, None);
                    shift_indexes(&mut new, pos, 1);
                    let specs = column_checks(
                        &column_def.name.value,
                        column_def
                            .options
                            .iter()
                            .map(|o| (o.name.as_ref(), &o.option)),
                    );
                    let defs = self.check_defs(&new, specs, false)?;
                    new.add_checks(defs);
                    if pk {
                        new.primary = vec![IndexColumn {
                            column: pos,
                            prefix: None,
                        }];
                    }
                    self.validate_generated(&new)?;
                    self.rebuild(&t, &mut new, &map)?;
                    if uniq {
                        let name = new.columns[pos].name.clone();
                        let ix = IndexDef {
                            name,
                            unique: true,
                            spatial: false,
                            columns: vec![IndexColumn {
                                column: pos,
                                prefix: None,
                            }],
                            tree: self.reader.tx()?.create_tree(),
                            kind: IndexKind::Btree,
                            invisible: false,
                        };
                        self.build_index(&new, &ix)?;
                        new.indexes.push(ix);
                    }
                    self.store_table(&new)?;
                    self.replace_cached(new);
                }
                Op::DropColumn {
                    column_names,
                    if_exists,
                    ..
                } => {
                    for cn in column_names {
                        let cur = (*self.table(&at.name)?).clone();
                        let Some(pos) = cur.column(&cn.value) else {
                            if *if_exists {
                                continue;
                            }
                            return Err(SqlError::new(
                                1091,
                                format!("Can't DROP '{}'; check that column/key exists", cn.value),
                            ));
                        };
                        if cur.columns.len() == 1 {
                            return Err(SqlError::new(1090, "You can't delete all columns with ALTER TABLE; use DROP TABLE instead"));
                        }
                        self.check_drop_fk_column(&cur, &cn.value)?;
                        super::generated::refuse_dependency(&cur, &cn.value)?;
                        // A CHECK constraint on this column alone goes with it (MySQL
                        // 8.0); one that also names other columns refuses (3959).
                        let mut cur = cur;
                        cur.checks.retain(|c| {
                            let cols = super::check::clause_columns(&c.clause);
                            cols.is_empty()
                                || !cols.iter().all(|x| x.eq_ignore_ascii_case(&cn.value))
                        });
                        refuse_check_column(&cur, &cn.value)?;
                        let mut new = cur.clone();
                        new.columns.remove(pos);
                        new.primary.retain(|c| c.column != pos);
                        for ix in &mut new.indexes {
                            ix.columns.retain(|c| c.column != pos);
                        }
                        new.indexes.retain(|ix| !ix.columns.is_empty());
                        shift_indexes(&mut new, pos + 1, -1);
                        let map: Vec<Option<usize>> = (0..cur.columns.len())
                            .filter(|i| *i != pos)
                            .map(Some)
                            .collect();
                        self.rebuild(&cur, &mut new, &map)?;
                        self.store_table(&new)?;
                        self.replace_cached(new);
                    }
                }
                Op::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    column_position,
                }
                | Op::ChangeColumn {
                    old_name: col_name,
                    data_type,
                    options,
                    column_position,
                    ..
                } => {
                    let new_name = match op {
                        Op::ChangeColumn { new_name, .. } => new_name.value.clone(),
                        _ => col_name.value.clone(),
                    };
                    let cur = (*self.table(&at.name)?).clone();
                    let Some(pos) = cur.column(&col_name.value) else {
                        return Err(SqlError::new(
                            1054,
                            format!("Unknown column '{}' in '{}'", col_name.value, cur.name),
                        ));
                    };
                    let cd = ast::ColumnDef {
                        name: ast::Ident::new(new_name),
                        data_type: data_type.clone(),
                        options: options
                            .iter()
                            .map(|o| ast::ColumnOptionDef {
                                name: None,
                                option: o.clone(),
                            })
                            .collect(),
                    };
                    let (col, _, _) = self.column_def(&cd, cur.collation)?;
                    let mut new = cur.clone();
                    let old_name = cur.columns[pos].name.clone();
                    if old_name != col.name {
                        refuse_check_column(&cur, &old_name)?;
                        super::generated::refuse_dependency(&cur, &old_name)?;
                        let new_name = col.name.clone();
                        self.rename_fk_column(&mut new, &old_name, &new_name)?;
                    }
                    let col_name = col.name.clone();
                    new.columns[pos] = col;
                    let specs = column_checks(&col_name, options.iter().map(|o| (None, o)));
                    let defs = self.check_defs(&new, specs, false)?;
                    new.add_checks(defs);
                    if cur.primary.iter().any(|p| p.column == pos) {
                        new.columns[pos].nullable = false;
                    }
                    let mut map: Vec<Option<usize>> = (0..cur.columns.len()).map(Some).collect();
                    if let Some(p) = column_position {
                        let target = match p {
                            ast::MySQLColumnPosition::First => 0,
                            ast::MySQLColumnPosition::After(a) => {
                                let i = new.column(&a.value).ok_or_else(|| {
                                    SqlError::new(1054, format!("Unknown column '{}'", a.value))
                                })?;
                                if i < pos {
                                    i + 1
                                } else {
                                    i
                                }
                            }
                        };
                        let c = new.columns.remove(pos);
                        new.columns.insert(target, c);
                        let m = map.remove(pos);
                        map.insert(target, m);
                        let perm: Vec<usize> = map.iter().map(|m| m.unwrap_or(0)).collect();
                        let inv = |old: usize| perm.iter().position(|p| *p == old).unwrap_or(old);
                        for c in &mut new.primary {
                            c.column = inv(c.column);
                        }
                        for ix in &mut new.indexes {
                            for c in &mut ix.columns {
                                c.column = inv(c.column);
                            }
                        }
                    }
                    self.validate_generated(&new)?;
                    self.rebuild(&cur, &mut new, &map)?;
                    self.store_table(&new)?;
                    self.replace_cached(new);
                }
                Op::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let mut cur = (*self.table(&at.name)?).clone();
                    let Some(pos) = cur.column(&old_column_name.value) else {
                        return Err(SqlError::new(
                            1054,
                            format!(
                                "Unknown column '{}' in '{}'",
                                old_column_name.value, cur.name
                            ),
                        ));
                    };
                    let old_name = cur.columns[pos].name.clone();
                    if !old_name.eq_ignore_ascii_case(&new_column_name.value) {
                        refuse_check_column(&cur, &old_name)?;
                        super::generated::refuse_dependency(&cur, &old_name)?;
                    }
                    cur.columns[pos].name = new_column_name.value.clone();
                    self.rename_fk_column(&mut cur, &old_name, &new_column_name.value)?;
                    self.store_table(&cur)?;
                    self.replace_cached(cur);
                }
                Op::RenameTable { table_name } => {
                    let n = match table_name {
                        ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => {
                            n.clone()
                        }
                    };
                    let cur = (*self.table(&at.name)?).clone();
                    let (db, name) = self.db_for(&n)?;
                    self.rename_table(&cur, &db, &name)?;
                    return Ok(());
                }
                Op::AutoIncrement { value, .. } => {
                    let v: u64 = value.value.to_string().parse().unwrap_or(1);
                    let mut cur = (*self.table(&at.name)?).clone();
                    cur.auto_increment_start = v.max(1);
                    self.shared.reset_counters(cur.tree);
                    self.store_table(&cur)?;
                    self.replace_cached(cur);
                }
                Op::AlterColumn { column_name, op } => {
                    let mut cur = (*self.table(&at.name)?).clone();
                    let Some(pos) = cur.column(&column_name.value) else {
                        return Err(SqlError::new(
                            1054,
                            format!("Unknown column '{}' in '{}'", column_name.value, cur.name),
                        ));
                    };
                    use ast::AlterColumnOperation as A;
                    match op {
                        // SET INVISIBLE / SET VISIBLE (see `front::rewrite_alter_checks`).
                        A::SetNotNull => cur.columns[pos].invisible = true,
                        A::DropNotNull => cur.columns[pos].invisible = false,
                        A::SetDefault { value } => {
                            let c = &cur.columns[pos];
                            if c.generated.is_some() || matches!(c.ty, SqlType::Text { .. } | SqlType::Blob { .. } | SqlType::Json) {
                                return Err(SqlError::new(
                                    1101,
                                    format!("BLOB, TEXT, GEOMETRY or JSON column '{}' can't have a default value", c.name),
                                ));
                            }
                            let (ty, name) = (c.ty.clone(), c.name.clone());
                            let d = self.default_value(value, &ty, &name)?;
                            if d == ColumnDefault::Null && !cur.columns[pos].nullable {
                                return Err(SqlError::new(
                                    1067,
                                    format!("Invalid default value for '{name}'"),
                                ));
                            }
                            cur.columns[pos].default = d;
                        }
                        A::DropDefault => cur.columns[pos].default = ColumnDefault::Dropped,
                        other => {
                            return Err(SqlError::new(
                                1235,
                                format!("This version of Borealis doesn't yet support 'ALTER COLUMN ... {other}'"),
                            ))
                        }
                    }
                    self.store_table(&cur)?;
                    self.replace_cached(cur);
                }
                // `ALTER INDEX name INVISIBLE|VISIBLE` arrives as ENABLE ALWAYS|REPLICA RULE
                // (see `front::rewrite_alter_checks`).
                Op::EnableAlwaysRule { name } | Op::EnableReplicaRule { name } => {
                    let mut cur = (*self.table(&at.name)?).clone();
                    let Some(ix) = cur
                        .indexes
                        .iter_mut()
                        .find(|x| x.name.eq_ignore_ascii_case(&name.value))
                    else {
                        return Err(SqlError::new(
                            1176,
                            format!("Key '{}' doesn't exist in table '{}'", name.value, cur.name),
                        ));
                    };
                    ix.invisible = matches!(op, Op::EnableAlwaysRule { .. });
                    self.store_table(&cur)?;
                    self.replace_cached(cur);
                }
                Op::Algorithm { .. } | Op::Lock { .. } => {}
                other => {
                    return Err(SqlError::new(
                        1235,
                        format!(
                        "This version of Borealis doesn't yet support 'ALTER TABLE ... {other}'"
                    ),
                    ))
                }
            }
            t = (*self.table(&at.name)?).clone();
            refuse_invisible_primary(&t)?;
        }
        Ok(())
    }
}

/// The key part [`super::front`] appends to the key parts of an index written with the
/// INVISIBLE option (`KEY k (a) INVISIBLE` reads as `KEY k (a, `INVISIBLE_PART`)`): no
/// column has this name, as MySQL names never end in a space.
pub const INVISIBLE_PART: &str = "invisible index ";

/// The key parts of an index definition without the INVISIBLE marker, and whether the
/// index was written INVISIBLE.
fn visibility(cols: &[ast::IndexColumn]) -> (&[ast::IndexColumn], bool) {
    match cols.split_last() {
        Some((last, rest))
            if matches!(&last.column.expr,
                ast::Expr::Identifier(i) if i.value == INVISIBLE_PART && i.quote_style.is_some()) =>
        {
            (rest, true)
        }
        _ => (cols, false),
    }
}

/// ER_PK_INDEX_CANT_BE_INVISIBLE.
fn pk_invisible() -> SqlError {
    SqlError::new(3522, "A primary key index cannot be invisible")
}

/// 3522 when the index MySQL would take for the primary key is invisible: without a
/// PRIMARY KEY, the first UNIQUE index whose parts are all NOT NULL whole columns is the
/// table's implicit primary key (MySQL 8.0 refuses to hide it, also by ALTER INDEX).
fn refuse_invisible_primary(t: &TableDef) -> SqlResult<()> {
    if !t.primary.is_empty() {
        return Ok(());
    }
    let implicit = t.indexes.iter().find(|x| {
        x.unique
            && x.columns
                .iter()
                .all(|c| c.prefix.is_none() && t.columns.get(c.column).is_some_and(|c| !c.nullable))
    });
    match implicit {
        Some(x) if x.invisible => Err(pk_invisible()),
        _ => Ok(()),
    }
}

/// 1113 for a table without columns; 4028: MySQL keeps at least one column visible.
fn refuse_all_invisible(t: &TableDef) -> SqlResult<()> {
    if t.columns.is_empty() {
        return Err(SqlError::new(1113, "A table must have at least 1 column"));
    }
    if t.columns.iter().all(|c| c.invisible) {
        return Err(SqlError::new(
            4028,
            "A table must have at least 1 visible column.",
        ));
    }
    Ok(())
}

/// 3821 for DROP CHECK / ALTER CHECK of an unknown name.
fn check_not_found(name: &str) -> SqlError {
    SqlError::new(
        3821,
        format!("Check constraint '{name}' is not found in the table."),
    )
}

/// 3959 when a CHECK constraint of `t` uses column `col` (dropped or renamed).
fn refuse_check_column(t: &TableDef, col: &str) -> SqlResult<()> {
    for c in &t.checks {
        if super::check::clause_columns(&c.clause)
            .iter()
            .any(|x| x.eq_ignore_ascii_case(col))
        {
            return Err(SqlError::new(
                3959,
                format!(
                    "Check constraint '{}' uses column '{col}', hence column cannot be dropped or renamed.",
                    c.name
                ),
            ));
        }
    }
    Ok(())
}

/// The CHECK clauses among a column's options.
fn column_checks<'o>(
    column: &str,
    options: impl Iterator<Item = (Option<&'o ast::Ident>, &'o ast::ColumnOption)>,
) -> Vec<CheckSpec> {
    options
        .filter_map(|(name, o)| match o {
            ast::ColumnOption::Check(ck) => {
                let mut spec = CheckSpec::from_ast(ck, Some(column));
                if spec.name.is_none() {
                    spec.name = name.map(|n| n.value.clone());
                }
                Some(spec)
            }
            _ => None,
        })
        .collect()
}

/// Moves column references at or after `from` by `delta`.
fn shift_indexes(t: &mut TableDef, from: usize, delta: isize) {
    let f = |c: &mut IndexColumn| {
        if c.column >= from {
            c.column = (c.column as isize + delta) as usize;
        }
    };
    t.primary.iter_mut().for_each(f);
    for ix in &mut t.indexes {
        ix.columns.iter_mut().for_each(f);
    }
}

/// The key part of a SPATIAL index: one NOT NULL geometry column without a prefix
/// (MySQL's 1070, 1687, 1252, 1089), kept as its first 32 bytes (the Sub_part MySQL
/// shows for an R-tree key).
fn spatial_parts(columns: &[ColumnDef], cols: Vec<IndexColumn>) -> SqlResult<Vec<IndexColumn>> {
    let [ic] = cols.as_slice() else {
        return Err(SqlError::new(
            1070,
            "Too many key parts specified; max 1 parts allowed",
        ));
    };
    let c = &columns[ic.column];
    if !matches!(c.ty, SqlType::Geometry { .. }) {
        return Err(SqlError::new(
            1687,
            "A SPATIAL index may only contain a geometrical type column",
        ));
    }
    if ic.prefix.is_some() {
        return Err(SqlError::new(
            1089,
            "Incorrect prefix key; the used key part isn't a string, the used length is longer than the key part, or the storage engine doesn't support unique prefix keys",
        ));
    }
    if c.nullable {
        return Err(SqlError::new(
            1252,
            "All parts of a SPATIAL index must be NOT NULL",
        ));
    }
    Ok(vec![IndexColumn {
        column: ic.column,
        prefix: Some(32),
    }])
}

/// A JSON column cannot be a key part (MySQL 3152).
/// The index type `front` gives `CREATE FULLTEXT INDEX` (a name no user writes).
pub const FULLTEXT_USING: &str = "__borealis_fulltext";

/// `base`, or `base_2`, `base_3`, ... when `t` has an index of that name (MySQL's
/// names for unnamed keys).
fn free_index_name(t: &TableDef, base: &str) -> String {
    let mut cand = base.to_string();
    let mut k = 2;
    while cand.eq_ignore_ascii_case("PRIMARY")
        || t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(&cand))
    {
        cand = format!("{base}_{k}");
        k += 1;
    }
    cand
}

/// A FULLTEXT index takes whole CHAR, VARCHAR and TEXT columns only (1283).
fn fulltext_columns(columns: &[ColumnDef], cols: &[IndexColumn]) -> SqlResult<()> {
    for ic in cols {
        let c = &columns[ic.column];
        let text = matches!(
            c.ty,
            SqlType::Char { .. } | SqlType::VarChar { .. } | SqlType::Text { .. }
        );
        if !text || ic.prefix.is_some() {
            return Err(SqlError::new(
                1283,
                format!("Column '{}' cannot be part of FULLTEXT index", c.name),
            ));
        }
    }
    Ok(())
}

fn check_indexable(c: &ColumnDef) -> SqlResult<()> {
    if c.ty == SqlType::Json {
        return Err(SqlError::new(
            3152,
            format!(
                "JSON column '{}' supports indexing only via generated columns on a specified JSON path.",
                c.name
            ),
        ));
    }
    Ok(())
}

fn index_columns(t: &TableDef, cols: &[ast::IndexColumn]) -> SqlResult<Vec<IndexColumn>> {
    let (cols, _) = visibility(cols);
    let mut out = Vec::new();
    for ic in cols {
        let (name, prefix) = match &ic.column.expr {
            ast::Expr::Identifier(i) => (i.value.clone(), None),
            ast::Expr::Function(f) => {
                let p = f.args.to_string();
                (
                    f.name.to_string().trim_matches('`').to_string(),
                    p.trim_matches(['(', ')']).trim().parse().ok(),
                )
            }
            other => {
                return Err(SqlError::new(
                    1235,
                    format!(
                        "This version of Borealis doesn't yet support index expression '{other}'"
                    ),
                ))
            }
        };
        let pos = t.column(&name).ok_or_else(|| {
            SqlError::new(1072, format!("Key column '{name}' doesn't exist in table"))
        })?;
        check_indexable(&t.columns[pos])?;
        out.push(IndexColumn {
            column: pos,
            prefix,
        });
    }
    Ok(out)
}

/// Where a CHECK condition starts in the statement (line, column): the first position
/// any part of it knows. sqlparser leaves some expressions without a span (REGEXP, for
/// one), but the names and literals inside them have theirs.
fn written_at(e: &ast::Expr) -> (u64, u64) {
    let mut first: Option<(u64, u64)> = None;
    let _ = ast::visit_expressions(e, |x: &ast::Expr| {
        let at = x.span().start;
        if at.line > 0 {
            let at = (at.line, at.column);
            first = Some(first.map_or(at, |f| f.min(at)));
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    first.unwrap_or((u64::MAX, u64::MAX))
}

/// Gives each unaliased expression of a view's select list (the first SELECT of a set
/// operation) the name it was described with, as an alias stored with the query: the
/// name is the expression's text as typed (`a + 1`, `-a`), which the stored query,
/// printed from the parsed statement, no longer holds. A generated name longer than a
/// column name may be (64 characters), or ending in a space, becomes `Name_exp_N` (N its
/// position), as MySQL 8.0 and MariaDB name it. `rs` takes the same names. A select list
/// with more than one `*` is left as it is (its columns cannot be told apart here).
fn name_view_columns(query: &mut ast::Query, rs: &mut RowSet) {
    fn first_select(body: &mut ast::SetExpr) -> Option<&mut ast::Select> {
        match body {
            ast::SetExpr::Select(s) => Some(s),
            ast::SetExpr::SetOperation { left, .. } => first_select(left),
            ast::SetExpr::Query(q) => first_select(&mut q.body),
            _ => None,
        }
    }
    let Some(sel) = first_select(&mut query.body) else {
        return;
    };
    let star = |i: &ast::SelectItem| {
        matches!(
            i,
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..)
        )
    };
    let stars = sel.projection.iter().filter(|i| star(i)).count();
    if stars > 1 || sel.projection.len() - stars > rs.columns.len() {
        return;
    }
    let star_width = rs.columns.len() - (sel.projection.len() - stars);
    let mut at = 0;
    for item in &mut sel.projection {
        if star(item) {
            at += star_width;
            continue;
        }
        if let ast::SelectItem::UnnamedExpr(e) = item {
            if !matches!(
                e,
                ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)
            ) {
                let col = &mut rs.columns[at];
                if col.name.is_empty() || col.name.chars().count() > 64 || col.name.ends_with(' ') {
                    col.name = format!("Name_exp_{}", at + 1);
                }
                *item = ast::SelectItem::ExprWithAlias {
                    expr: e.clone(),
                    alias: ast::Ident::with_quote('`', col.name.clone()),
                };
            }
        }
        at += 1;
    }
}
