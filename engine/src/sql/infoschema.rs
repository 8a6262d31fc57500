//! information_schema tables, computed from the catalog.

use super::error::{SqlError, SqlResult};
use super::exec::{Exec, OutColumn, RowSet};
use super::progddl::time_text;
use crate::value::{Collation, IntKind, SqlType, Value};

fn vc(n: u32) -> Option<SqlType> {
    Some(SqlType::VarChar {
        len: n,
        collation: Collation::Utf8mb3GeneralCi,
    })
}

fn big() -> Option<SqlType> {
    Some(SqlType::Int {
        kind: IntKind::Big,
        unsigned: true,
        width: None,
    })
}

fn cols(spec: &[(&str, Option<SqlType>)]) -> Vec<OutColumn> {
    spec.iter()
        .map(|(n, t)| OutColumn {
            name: n.to_string(),
            org_name: n.to_string(),
            ty: t.clone(),
            nullable: true,
            ..Default::default()
        })
        .collect()
}

fn s(v: &str) -> Value {
    Value::Bytes(v.as_bytes().to_vec())
}

/// The rows of `information_schema.<name>`.
/// The AUTO_INCREMENT column of TABLES and SHOW TABLE STATUS: the value the table's
/// counter gives next, NULL without an AUTO_INCREMENT column (or when it cannot be read).
pub(crate) fn auto_increment(ex: &Exec, t: &super::catalog::TableDef) -> Value {
    match ex.auto_increment_next(t) {
        Ok(Some(n)) => Value::UInt(n),
        _ => Value::Null,
    }
}

pub fn table(ex: &mut Exec, name: &str) -> SqlResult<RowSet> {
    // Only what the user holds some privilege on is listed.
    let cat = ex.security.visible(&ex.catalog);
    let name = name.to_ascii_uppercase();
    let view_columns = if name == "COLUMNS" {
        view_columns(ex, &cat)
    } else {
        Vec::new()
    };
    let ex: &Exec = ex;
    Ok(match name.as_str() {
        "SCHEMATA" => RowSet {
            columns: cols(&[
                ("CATALOG_NAME", vc(64)),
                ("SCHEMA_NAME", vc(64)),
                ("DEFAULT_CHARACTER_SET_NAME", vc(64)),
                ("DEFAULT_COLLATION_NAME", vc(64)),
                ("SQL_PATH", vc(512)),
            ]),
            rows: std::iter::once((
                "information_schema".to_string(),
                Collation::Utf8mb3GeneralCi,
            ))
            .chain(cat.dbs.values().map(|d| (d.name.clone(), d.collation)))
            .map(|(n, c)| vec![s("def"), s(&n), s(c.charset()), s(c.name()), Value::Null])
            .collect(),
        },
        "TABLES" => RowSet {
            columns: cols(&[
                ("TABLE_CATALOG", vc(64)),
                ("TABLE_SCHEMA", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("TABLE_TYPE", vc(64)),
                ("ENGINE", vc(64)),
                ("VERSION", big()),
                ("ROW_FORMAT", vc(10)),
                ("TABLE_ROWS", big()),
                ("AVG_ROW_LENGTH", big()),
                ("DATA_LENGTH", big()),
                ("MAX_DATA_LENGTH", big()),
                ("INDEX_LENGTH", big()),
                ("DATA_FREE", big()),
                ("AUTO_INCREMENT", big()),
                ("CREATE_TIME", Some(SqlType::DateTime { fsp: 0 })),
                ("UPDATE_TIME", Some(SqlType::DateTime { fsp: 0 })),
                ("CHECK_TIME", Some(SqlType::DateTime { fsp: 0 })),
                ("TABLE_COLLATION", vc(64)),
                ("CHECKSUM", big()),
                ("CREATE_OPTIONS", vc(256)),
                ("TABLE_COMMENT", vc(2048)),
            ]),
            rows: cat
                .tables
                .values()
                .map(|t| {
                    let n = ex.table_rows(t);
                    vec![
                        s("def"),
                        s(&t.db),
                        s(&t.name),
                        s("BASE TABLE"),
                        s(&t.engine),
                        Value::UInt(10),
                        s("Dynamic"),
                        Value::UInt(n),
                        Value::UInt(0),
                        Value::UInt(0),
                        Value::UInt(0),
                        Value::UInt(0),
                        Value::UInt(0),
                        auto_increment(ex, t),
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        s(t.collation.name()),
                        Value::Null,
                        s(""),
                        s(&t.comment),
                    ]
                })
                .chain(cat.views.values().map(|v| {
                    let mut r = vec![s("def"), s(&v.db), s(&v.name), s("VIEW")];
                    r.extend(std::iter::repeat_n(Value::Null, 16));
                    r.push(s("VIEW"));
                    r
                }))
                .collect(),
        },
        "VIEWS" => RowSet {
            columns: cols(&[
                ("TABLE_CATALOG", vc(512)),
                ("TABLE_SCHEMA", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("VIEW_DEFINITION", vc(65535)),
                ("CHECK_OPTION", vc(8)),
                ("IS_UPDATABLE", vc(3)),
                ("DEFINER", vc(384)),
                ("SECURITY_TYPE", vc(7)),
                ("CHARACTER_SET_CLIENT", vc(32)),
                ("COLLATION_CONNECTION", vc(64)),
                ("ALGORITHM", vc(10)),
            ]),
            rows: cat
                .views
                .values()
                .map(|v| {
                    vec![
                        s("def"),
                        s(&v.db),
                        s(&v.name),
                        s(&v.query),
                        s("NONE"),
                        s(if ex.is_updatable_view(v) { "YES" } else { "NO" }),
                        s(&v.definer.replace('`', "")),
                        s(&v.security),
                        s("utf8mb4"),
                        s("utf8mb4_general_ci"),
                        s(&v.algorithm),
                    ]
                })
                .collect(),
        },
        "COLUMNS" => RowSet {
            columns: cols(&[
                ("TABLE_CATALOG", vc(64)),
                ("TABLE_SCHEMA", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("COLUMN_NAME", vc(64)),
                ("ORDINAL_POSITION", big()),
                (
                    "COLUMN_DEFAULT",
                    Some(SqlType::Text {
                        kind: crate::value::LobKind::Normal,
                        collation: Collation::Utf8mb3GeneralCi,
                    }),
                ),
                ("IS_NULLABLE", vc(3)),
                ("DATA_TYPE", vc(64)),
                ("CHARACTER_MAXIMUM_LENGTH", big()),
                ("CHARACTER_OCTET_LENGTH", big()),
                ("NUMERIC_PRECISION", big()),
                ("NUMERIC_SCALE", big()),
                ("DATETIME_PRECISION", big()),
                ("CHARACTER_SET_NAME", vc(64)),
                ("COLLATION_NAME", vc(64)),
                ("COLUMN_TYPE", vc(1024)),
                ("COLUMN_KEY", vc(3)),
                ("EXTRA", vc(256)),
                ("PRIVILEGES", vc(154)),
                ("COLUMN_COMMENT", vc(1024)),
                ("GENERATION_EXPRESSION", vc(1024)),
            ]),
            rows: cat
                .tables
                .values()
                .flat_map(|t| {
                    t.columns
                        .iter()
                        .enumerate()
                        // Only the columns the user holds some privilege on.
                        .filter(|(_, c)| ex.security.sees_column(&t.db, &t.name, &c.name))
                        .map(move |(i, c)| {
                            let key = t.column_key(i);
                            let full = c.ty.mysql_name();
                            let data_type = full.split(['(', ' ']).next().unwrap_or("").to_string();
                            let (cs, coll) = if c.ty.is_string() && !c.ty.collation().is_binary() {
                                (s(c.ty.collation().charset()), s(c.ty.collation().name()))
                            } else {
                                (Value::Null, Value::Null)
                            };
                            let extra = c.extra();
                            vec![
                                s("def"),
                                s(&t.db),
                                s(&t.name),
                                s(&c.name),
                                Value::UInt(i as u64 + 1),
                                super::ddl::default_text(c)
                                    .map(|d| s(&d))
                                    .unwrap_or(Value::Null),
                                s(if c.nullable { "YES" } else { "NO" }),
                                s(&data_type),
                                Value::Null,
                                Value::Null,
                                Value::Null,
                                Value::Null,
                                Value::Null,
                                cs,
                                coll,
                                s(&full),
                                s(key),
                                s(&extra),
                                s(&ex.security.column_privilege_text(&t.db, &t.name, &c.name)),
                                s(&c.comment),
                                s(&c.generated
                                    .as_ref()
                                    .map(|g| super::check::info_schema_clause(&g.expr))
                                    .unwrap_or_default()),
                            ]
                        })
                })
                .chain(view_columns)
                .collect(),
        },
        "COLUMN_PRIVILEGES" => RowSet {
            columns: cols(&[
                ("GRANTEE", vc(292)),
                ("TABLE_CATALOG", vc(512)),
                ("TABLE_SCHEMA", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("COLUMN_NAME", vc(64)),
                ("PRIVILEGE_TYPE", vc(64)),
                ("IS_GRANTABLE", vc(3)),
            ]),
            // The session account's grants; every account's for one that holds every
            // privilege.
            rows: ex
                .catalog
                .users
                .values()
                .filter(|u| {
                    ex.security
                        .account()
                        .is_none_or(|(user, host)| u.user == user && u.host == host)
                })
                .flat_map(|u| {
                    u.columns.iter().flat_map(move |((db, t, c), p)| {
                        let grantable = u
                            .tables
                            .get(&(db.clone(), t.clone()))
                            .is_some_and(|tp| tp & super::catalog::privs::GRANT_OPTION != 0);
                        [
                            (super::catalog::privs::SELECT, "SELECT"),
                            (super::catalog::privs::INSERT, "INSERT"),
                            (super::catalog::privs::UPDATE, "UPDATE"),
                            (super::catalog::privs::REFERENCES, "REFERENCES"),
                        ]
                        .into_iter()
                        .filter(move |(b, _)| p & b != 0)
                        .map(move |(_, name)| {
                            vec![
                                s(&format!("'{}'@'{}'", u.user, u.host)),
                                s("def"),
                                s(db),
                                s(t),
                                s(c),
                                s(name),
                                s(if grantable { "YES" } else { "NO" }),
                            ]
                        })
                    })
                })
                .collect(),
        },
        "STATISTICS" => RowSet {
            columns: cols(&[
                ("TABLE_CATALOG", vc(64)),
                ("TABLE_SCHEMA", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("NON_UNIQUE", big()),
                ("INDEX_SCHEMA", vc(64)),
                ("INDEX_NAME", vc(64)),
                ("SEQ_IN_INDEX", big()),
                ("COLUMN_NAME", vc(64)),
                ("COLLATION", vc(1)),
                ("CARDINALITY", big()),
                ("SUB_PART", big()),
                ("PACKED", vc(10)),
                ("NULLABLE", vc(3)),
                ("INDEX_TYPE", vc(16)),
                ("COMMENT", vc(16)),
                ("INDEX_COMMENT", vc(1024)),
                ("IS_VISIBLE", vc(3)),
                (
                    "EXPRESSION",
                    Some(SqlType::Text {
                        kind: crate::value::LobKind::Long,
                        collation: Collation::Utf8mb3GeneralCi,
                    }),
                ),
            ]),
            rows: cat
                .tables
                .values()
                .flat_map(|t| {
                    index_rows(t, Value::UInt).into_iter().map(|mut r| {
                        r.insert(1, s(&t.db));
                        let mut row = vec![s("def"), s(&t.db), s(&t.name)];
                        row.extend(r);
                        row
                    })
                })
                .collect(),
        },
        "KEY_COLUMN_USAGE" => RowSet {
            columns: cols(&[
                ("CONSTRAINT_CATALOG", vc(64)),
                ("CONSTRAINT_SCHEMA", vc(64)),
                ("CONSTRAINT_NAME", vc(64)),
                ("TABLE_CATALOG", vc(64)),
                ("TABLE_SCHEMA", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("COLUMN_NAME", vc(64)),
                ("ORDINAL_POSITION", big()),
                ("POSITION_IN_UNIQUE_CONSTRAINT", big()),
                ("REFERENCED_TABLE_SCHEMA", vc(64)),
                ("REFERENCED_TABLE_NAME", vc(64)),
                ("REFERENCED_COLUMN_NAME", vc(64)),
            ]),
            rows: cat
                .tables
                .values()
                .flat_map(|t| {
                    let mut out = Vec::new();
                    let mut add = |name: &str, cols: &[super::catalog::IndexColumn]| {
                        for (i, ic) in cols.iter().enumerate() {
                            out.push(vec![
                                s("def"),
                                s(&t.db),
                                s(name),
                                s("def"),
                                s(&t.db),
                                s(&t.name),
                                s(&t.columns[ic.column].name),
                                Value::UInt(i as u64 + 1),
                                Value::Null,
                                Value::Null,
                                Value::Null,
                                Value::Null,
                            ]);
                        }
                    };
                    add("PRIMARY", &t.primary);
                    for ix in t.indexes.iter().filter(|x| x.unique) {
                        add(&ix.name, &ix.columns);
                    }
                    for fk in &t.foreign_keys {
                        for (i, (c, rc)) in fk.columns.iter().zip(&fk.ref_columns).enumerate() {
                            out.push(vec![
                                s("def"),
                                s(&t.db),
                                s(&fk.name),
                                s("def"),
                                s(&t.db),
                                s(&t.name),
                                s(c),
                                Value::UInt(i as u64 + 1),
                                Value::UInt(i as u64 + 1),
                                s(&fk.ref_db),
                                s(&fk.ref_table),
                                s(rc),
                            ]);
                        }
                    }
                    out
                })
                .collect(),
        },
        "TABLE_CONSTRAINTS" => RowSet {
            columns: cols(&[
                ("CONSTRAINT_CATALOG", vc(64)),
                ("CONSTRAINT_SCHEMA", vc(64)),
                ("CONSTRAINT_NAME", vc(64)),
                ("TABLE_SCHEMA", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("CONSTRAINT_TYPE", vc(11)),
                ("ENFORCED", vc(3)),
            ]),
            rows: cat
                .tables
                .values()
                .flat_map(|t| {
                    let row = |name: &str, ty: &str| {
                        vec![
                            s("def"),
                            s(&t.db),
                            s(name),
                            s(&t.db),
                            s(&t.name),
                            s(ty),
                            s("YES"),
                        ]
                    };
                    let mut out = Vec::new();
                    if !t.primary.is_empty() {
                        out.push(row("PRIMARY", "PRIMARY KEY"));
                    }
                    for ix in t.indexes.iter().filter(|x| x.unique) {
                        out.push(row(&ix.name, "UNIQUE"));
                    }
                    for fk in &t.foreign_keys {
                        out.push(row(&fk.name, "FOREIGN KEY"));
                    }
                    for c in &t.checks {
                        let mut r = row(&c.name, "CHECK");
                        r[6] = s(if c.enforced { "YES" } else { "NO" });
                        out.push(r);
                    }
                    out
                })
                .collect(),
        },
        "CHECK_CONSTRAINTS" => RowSet {
            columns: cols(&[
                ("CONSTRAINT_CATALOG", vc(64)),
                ("CONSTRAINT_SCHEMA", vc(64)),
                ("CONSTRAINT_NAME", vc(64)),
                (
                    "CHECK_CLAUSE",
                    Some(SqlType::Text {
                        kind: crate::value::LobKind::Long,
                        collation: Collation::Utf8mb3GeneralCi,
                    }),
                ),
            ]),
            rows: cat
                .tables
                .values()
                .flat_map(|t| {
                    t.checks.iter().map(move |c| {
                        vec![
                            s("def"),
                            s(&t.db),
                            s(&c.name),
                            s(&super::check::info_schema_clause(&c.clause)),
                        ]
                    })
                })
                .collect(),
        },
        "REFERENTIAL_CONSTRAINTS" => RowSet {
            columns: cols(&[
                ("CONSTRAINT_CATALOG", vc(64)),
                ("CONSTRAINT_SCHEMA", vc(64)),
                ("CONSTRAINT_NAME", vc(64)),
                ("UNIQUE_CONSTRAINT_CATALOG", vc(64)),
                ("UNIQUE_CONSTRAINT_SCHEMA", vc(64)),
                ("UNIQUE_CONSTRAINT_NAME", vc(64)),
                ("MATCH_OPTION", vc(64)),
                ("UPDATE_RULE", vc(64)),
                ("DELETE_RULE", vc(64)),
                ("TABLE_NAME", vc(64)),
                ("REFERENCED_TABLE_NAME", vc(64)),
            ]),
            rows: cat
                .tables
                .values()
                .flat_map(|t| {
                    t.foreign_keys.iter().map(move |fk| {
                        // The parent's index the constraint uses (NULL when the parent
                        // is missing, as after foreign_key_checks=0).
                        let unique = ex
                            .catalog
                            .table(&fk.ref_db, &fk.ref_table)
                            .and_then(|p| super::fk::parent_index_name(p, &fk.ref_columns));
                        vec![
                            s("def"),
                            s(&t.db),
                            s(&fk.name),
                            s("def"),
                            s(&fk.ref_db),
                            unique.as_deref().map_or(Value::Null, s),
                            s("NONE"),
                            s(fk.on_update.rule_name()),
                            s(fk.on_delete.rule_name()),
                            s(&t.name),
                            s(&fk.ref_table),
                        ]
                    })
                })
                .collect(),
        },
        "PROCESSLIST" => RowSet {
            columns: cols(&[
                ("ID", big()),
                ("USER", vc(128)),
                ("HOST", vc(64)),
                ("DB", vc(64)),
                ("COMMAND", vc(16)),
                ("TIME", big()),
                ("STATE", vc(64)),
                ("INFO", vc(65535)),
            ]),
            rows: ex.session.processlist(&ex.security),
        },
        "TRIGGERS" => RowSet {
            columns: cols(&[
                ("TRIGGER_CATALOG", vc(512)),
                ("TRIGGER_SCHEMA", vc(64)),
                ("TRIGGER_NAME", vc(64)),
                ("EVENT_MANIPULATION", vc(6)),
                ("EVENT_OBJECT_CATALOG", vc(512)),
                ("EVENT_OBJECT_SCHEMA", vc(64)),
                ("EVENT_OBJECT_TABLE", vc(64)),
                ("ACTION_ORDER", big()),
                ("ACTION_CONDITION", vc(65535)),
                ("ACTION_STATEMENT", vc(65535)),
                ("ACTION_ORIENTATION", vc(9)),
                ("ACTION_TIMING", vc(6)),
                ("ACTION_REFERENCE_OLD_TABLE", vc(64)),
                ("ACTION_REFERENCE_NEW_TABLE", vc(64)),
                ("ACTION_REFERENCE_OLD_ROW", vc(3)),
                ("ACTION_REFERENCE_NEW_ROW", vc(3)),
                ("CREATED", vc(32)),
                ("SQL_MODE", vc(8192)),
                ("DEFINER", vc(384)),
                ("CHARACTER_SET_CLIENT", vc(32)),
                ("COLLATION_CONNECTION", vc(64)),
                ("DATABASE_COLLATION", vc(64)),
            ]),
            rows: {
                let mut v: Vec<_> = cat.triggers.values().collect();
                v.sort_by_key(|t| {
                    let ev = ["INSERT", "UPDATE", "DELETE"]
                        .iter()
                        .position(|e| *e == t.event);
                    (
                        t.db.clone(),
                        t.table.clone(),
                        ev,
                        t.timing != "BEFORE",
                        t.order,
                    )
                });
                v.into_iter()
                    .map(|t| {
                        vec![
                            s("def"),
                            s(&t.db),
                            s(&t.name),
                            s(&t.event),
                            s("def"),
                            s(&t.db),
                            s(&t.table),
                            Value::UInt(t.order),
                            Value::Null,
                            s(&t.body),
                            s("ROW"),
                            s(&t.timing),
                            Value::Null,
                            Value::Null,
                            s("OLD"),
                            s("NEW"),
                            s(&format!("{}.00", time_text(t.env.created_us))),
                            s(&t.env.sql_mode),
                            s(&t.env.definer),
                            s(&t.env.charset_client),
                            s(&t.env.collation_connection),
                            s(&t.env.db_collation),
                        ]
                    })
                    .collect()
            },
        },
        "ROUTINES" => RowSet {
            columns: cols(&[
                ("SPECIFIC_NAME", vc(64)),
                ("ROUTINE_CATALOG", vc(512)),
                ("ROUTINE_SCHEMA", vc(64)),
                ("ROUTINE_NAME", vc(64)),
                ("ROUTINE_TYPE", vc(13)),
                ("DATA_TYPE", vc(64)),
                ("DTD_IDENTIFIER", vc(65535)),
                ("ROUTINE_BODY", vc(8)),
                ("ROUTINE_DEFINITION", vc(65535)),
                ("EXTERNAL_NAME", vc(64)),
                ("EXTERNAL_LANGUAGE", vc(64)),
                ("PARAMETER_STYLE", vc(8)),
                ("IS_DETERMINISTIC", vc(3)),
                ("SQL_DATA_ACCESS", vc(64)),
                ("SQL_PATH", vc(64)),
                ("SECURITY_TYPE", vc(7)),
                ("CREATED", vc(32)),
                ("LAST_ALTERED", vc(32)),
                ("SQL_MODE", vc(8192)),
                ("ROUTINE_COMMENT", vc(65535)),
                ("DEFINER", vc(384)),
                ("CHARACTER_SET_CLIENT", vc(32)),
                ("COLLATION_CONNECTION", vc(64)),
                ("DATABASE_COLLATION", vc(64)),
            ]),
            rows: cat
                .routines
                .values()
                .map(|r| {
                    let f = r.kind == 'F';
                    let data_type = if f {
                        r.returns
                            .split(['(', ' '])
                            .next()
                            .unwrap_or("")
                            .to_ascii_lowercase()
                    } else {
                        String::new()
                    };
                    vec![
                        s(&r.name),
                        s("def"),
                        s(&r.db),
                        s(&r.name),
                        s(r.kind_name()),
                        s(&data_type),
                        if f { s(&r.returns) } else { Value::Null },
                        s("SQL"),
                        s(&r.body),
                        Value::Null,
                        Value::Null,
                        s("SQL"),
                        s(if r.deterministic { "YES" } else { "NO" }),
                        s(&r.data_access),
                        Value::Null,
                        s(&r.security),
                        s(&time_text(r.env.created_us)),
                        s(&time_text(r.env.created_us)),
                        s(&r.env.sql_mode),
                        s(&r.comment),
                        s(&r.env.definer),
                        s(&r.env.charset_client),
                        s(&r.env.collation_connection),
                        s(&r.env.db_collation),
                    ]
                })
                .collect(),
        },
        "PARAMETERS" => RowSet {
            columns: cols(&[
                ("SPECIFIC_CATALOG", vc(512)),
                ("SPECIFIC_SCHEMA", vc(64)),
                ("SPECIFIC_NAME", vc(64)),
                ("ORDINAL_POSITION", big()),
                ("PARAMETER_MODE", vc(5)),
                ("PARAMETER_NAME", vc(64)),
                ("DATA_TYPE", vc(64)),
                ("DTD_IDENTIFIER", vc(65535)),
                ("ROUTINE_TYPE", vc(9)),
            ]),
            rows: cat
                .routines
                .values()
                .flat_map(|r| {
                    let mut out = Vec::new();
                    if r.kind == 'F' {
                        out.push(vec![
                            s("def"),
                            s(&r.db),
                            s(&r.name),
                            Value::UInt(0),
                            Value::Null,
                            Value::Null,
                            s(&base_type(&r.returns)),
                            s(&r.returns),
                            s(r.kind_name()),
                        ]);
                    }
                    for (i, p) in r.params.iter().enumerate() {
                        out.push(vec![
                            s("def"),
                            s(&r.db),
                            s(&r.name),
                            Value::UInt(i as u64 + 1),
                            s(&p.mode),
                            s(&p.name),
                            s(&base_type(&p.ty)),
                            s(&p.ty),
                            s(r.kind_name()),
                        ]);
                    }
                    out
                })
                .collect(),
        },
        "EVENTS" => RowSet {
            columns: cols(&[
                ("EVENT_CATALOG", vc(64)),
                ("EVENT_SCHEMA", vc(64)),
                ("EVENT_NAME", vc(64)),
                ("DEFINER", vc(384)),
                ("TIME_ZONE", vc(64)),
                ("EVENT_BODY", vc(8)),
                ("EVENT_DEFINITION", vc(65535)),
                ("EVENT_TYPE", vc(9)),
                ("EXECUTE_AT", vc(32)),
                ("INTERVAL_VALUE", vc(256)),
                ("INTERVAL_FIELD", vc(18)),
                ("SQL_MODE", vc(8192)),
                ("STARTS", vc(32)),
                ("ENDS", vc(32)),
                ("STATUS", vc(18)),
                ("ON_COMPLETION", vc(12)),
                ("CREATED", vc(32)),
                ("LAST_ALTERED", vc(32)),
                ("LAST_EXECUTED", vc(32)),
                ("EVENT_COMMENT", vc(64)),
                ("ORIGINATOR", big()),
                ("CHARACTER_SET_CLIENT", vc(32)),
                ("COLLATION_CONNECTION", vc(64)),
                ("DATABASE_COLLATION", vc(64)),
            ]),
            rows: cat
                .events
                .values()
                .map(|e| {
                    let opt = |v: &str| if v.is_empty() { Value::Null } else { s(v) };
                    vec![
                        s("def"),
                        s(&e.db),
                        s(&e.name),
                        s(&e.env.definer),
                        s(&e.time_zone),
                        s("SQL"),
                        s(&e.body),
                        s(if e.execute_at.is_empty() {
                            "RECURRING"
                        } else {
                            "ONE TIME"
                        }),
                        opt(&e.execute_at),
                        opt(&e.interval_value),
                        opt(&e.interval_field),
                        s(&e.env.sql_mode),
                        opt(&e.starts),
                        opt(&e.ends),
                        s(&e.status),
                        s(if e.preserve {
                            "PRESERVE"
                        } else {
                            "NOT PRESERVE"
                        }),
                        s(&time_text(e.env.created_us)),
                        s(&time_text(e.env.created_us)),
                        Value::Null,
                        s(&e.comment),
                        Value::UInt(0),
                        s(&e.env.charset_client),
                        s(&e.env.collation_connection),
                        s(&e.env.db_collation),
                    ]
                })
                .collect(),
        },
        "FILES" | "PARTITIONS" | "PLUGINS" | "ENGINES" => {
            let spec: &[&str] = match name.as_str() {
                "FILES" => &[
                    "FILE_ID",
                    "FILE_NAME",
                    "FILE_TYPE",
                    "TABLESPACE_NAME",
                    "TABLE_CATALOG",
                    "TABLE_SCHEMA",
                    "TABLE_NAME",
                    "LOGFILE_GROUP_NAME",
                    "LOGFILE_GROUP_NUMBER",
                    "ENGINE",
                    "FULLTEXT_KEYS",
                    "DELETED_ROWS",
                    "UPDATE_COUNT",
                    "FREE_EXTENTS",
                    "TOTAL_EXTENTS",
                    "EXTENT_SIZE",
                    "INITIAL_SIZE",
                    "MAXIMUM_SIZE",
                    "AUTOEXTEND_SIZE",
                    "CREATION_TIME",
                    "LAST_UPDATE_TIME",
                    "LAST_ACCESS_TIME",
                    "RECOVER_TIME",
                    "TRANSACTION_COUNTER",
                    "VERSION",
                    "ROW_FORMAT",
                    "TABLE_ROWS",
                    "AVG_ROW_LENGTH",
                    "DATA_LENGTH",
                    "MAX_DATA_LENGTH",
                    "INDEX_LENGTH",
                    "DATA_FREE",
                    "CREATE_TIME",
                    "UPDATE_TIME",
                    "CHECK_TIME",
                    "CHECKSUM",
                    "STATUS",
                    "EXTRA",
                ],
                "PARTITIONS" => &[
                    "TABLE_CATALOG",
                    "TABLE_SCHEMA",
                    "TABLE_NAME",
                    "PARTITION_NAME",
                    "SUBPARTITION_NAME",
                    "PARTITION_ORDINAL_POSITION",
                    "SUBPARTITION_ORDINAL_POSITION",
                    "PARTITION_METHOD",
                    "SUBPARTITION_METHOD",
                    "PARTITION_EXPRESSION",
                    "SUBPARTITION_EXPRESSION",
                    "PARTITION_DESCRIPTION",
                    "TABLE_ROWS",
                    "AVG_ROW_LENGTH",
                    "DATA_LENGTH",
                    "MAX_DATA_LENGTH",
                    "INDEX_LENGTH",
                    "DATA_FREE",
                    "CREATE_TIME",
                    "UPDATE_TIME",
                    "CHECK_TIME",
                    "CHECKSUM",
                    "PARTITION_COMMENT",
                    "NODEGROUP",
                    "TABLESPACE_NAME",
                ],
                _ => &["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME"],
            };
            RowSet {
                columns: spec.iter().map(|n| OutColumn::expr(n, vc(64))).collect(),
                rows: Vec::new(),
            }
        }
        _ => {
            return Err(SqlError::new(
                1109,
                format!(
                    "Unknown table '{}' in information_schema",
                    name.to_ascii_lowercase()
                ),
            ))
        }
    })
}

/// `decimal` of `DECIMAL(10,2)`, `varchar` of `VARCHAR(20) CHARSET x`.
/// information_schema.COLUMNS rows of the views in `cat` (their SELECTs described, not
/// run): the columns the user holds some privilege on. A view that no longer describes
/// (a dropped table) has no rows, as MySQL lists it with a warning.
/// The columns SHOW INDEX and information_schema.STATISTICS share, one row per key part
/// of each index of `t`, the primary key first: NON_UNIQUE, INDEX_NAME, SEQ_IN_INDEX,
/// COLUMN_NAME, COLLATION, CARDINALITY, SUB_PART, PACKED, NULLABLE, INDEX_TYPE, COMMENT,
/// INDEX_COMMENT, IS_VISIBLE, EXPRESSION; `int` makes the numbers (SHOW INDEX's are
/// signed, STATISTICS' unsigned).
pub(crate) fn index_rows(t: &super::catalog::TableDef, int: fn(u64) -> Value) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let mut add = |name: &str,
                   unique: bool,
                   kind: &str,
                   cols: &[super::catalog::IndexColumn],
                   visible: bool| {
        for (i, ic) in cols.iter().enumerate() {
            let c = &t.columns[ic.column];
            out.push(vec![
                int(u64::from(!unique)),
                s(name),
                int(i as u64 + 1),
                s(&c.name),
                if kind == "FULLTEXT" {
                    Value::Null
                } else {
                    s("A")
                },
                int(0),
                ic.prefix.map(|p| int(u64::from(p))).unwrap_or(Value::Null),
                Value::Null,
                s(if c.nullable { "YES" } else { "" }),
                s(kind),
                s(""),
                s(""),
                s(if visible { "YES" } else { "NO" }),
                Value::Null,
            ]);
        }
    };
    add("PRIMARY", true, "BTREE", &t.primary, true);
    for ix in &t.indexes {
        let kind = if ix.spatial {
            "SPATIAL"
        } else if ix.is_fulltext() {
            "FULLTEXT"
        } else {
            "BTREE"
        };
        add(&ix.name, ix.unique, kind, &ix.columns, !ix.invisible);
    }
    out
}

fn view_columns(ex: &mut Exec, cat: &super::catalog::Catalog) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    let saved = std::mem::replace(&mut ex.describe, true);
    for v in cat.views.values() {
        let Ok(rs) = ex.view_rows(v) else {
            continue;
        };
        for (i, c) in rs.columns.iter().enumerate() {
            if !ex.security.sees_column(&v.db, &v.name, &c.name) {
                continue;
            }
            let full = c.ty.as_ref().map(|t| t.mysql_name()).unwrap_or_default();
            let data_type = full.split(['(', ' ']).next().unwrap_or("").to_string();
            let (cs, coll) = match &c.ty {
                Some(t) if t.is_string() && !t.collation().is_binary() => {
                    (s(t.collation().charset()), s(t.collation().name()))
                }
                _ => (Value::Null, Value::Null),
            };
            rows.push(vec![
                s("def"),
                s(&v.db),
                s(&v.name),
                s(&c.name),
                Value::UInt(i as u64 + 1),
                Value::Null,
                s(if c.nullable { "YES" } else { "NO" }),
                s(&data_type),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                cs,
                coll,
                s(&full),
                s(""),
                s(""),
                s(&ex.security.column_privilege_text(&v.db, &v.name, &c.name)),
                s(""),
                s(""),
            ]);
        }
    }
    ex.describe = saved;
    rows
}

fn base_type(t: &str) -> String {
    t.split(['(', ' '])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}
