//! information_schema tables, computed from the catalog.

use super::error::{SqlError, SqlResult};
use super::exec::{Exec, OutColumn, RowSet};
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
pub fn table(ex: &Exec, name: &str) -> SqlResult<RowSet> {
    let cat = ex.catalog.clone();
    let name = name.to_ascii_uppercase();
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
                        Value::Null,
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
                        s("NO"),
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
                    t.columns.iter().enumerate().map(move |(i, c)| {
                        let key = t.column_key(i);
                        let full = c.ty.mysql_name();
                        let data_type = full.split(['(', ' ']).next().unwrap_or("").to_string();
                        let (cs, coll) = if c.ty.is_string() && !c.ty.collation().is_binary() {
                            (s(c.ty.collation().charset()), s(c.ty.collation().name()))
                        } else {
                            (Value::Null, Value::Null)
                        };
                        let extra = if c.auto_increment {
                            "auto_increment"
                        } else if c.on_update_now {
                            "DEFAULT_GENERATED on update CURRENT_TIMESTAMP"
                        } else {
                            ""
                        };
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
                            s(extra),
                            s("select,insert,update,references"),
                            s(&c.comment),
                            s(""),
                        ]
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
            ]),
            rows: cat
                .tables
                .values()
                .flat_map(|t| {
                    let mut out = Vec::new();
                    let mut add =
                        |name: &str, unique: bool, cols: &[super::catalog::IndexColumn]| {
                            for (i, ic) in cols.iter().enumerate() {
                                let c = &t.columns[ic.column];
                                out.push(vec![
                                    s("def"),
                                    s(&t.db),
                                    s(&t.name),
                                    Value::UInt(u64::from(!unique)),
                                    s(&t.db),
                                    s(name),
                                    Value::UInt(i as u64 + 1),
                                    s(&c.name),
                                    s("A"),
                                    Value::UInt(0),
                                    ic.prefix
                                        .map(|p| Value::UInt(u64::from(p)))
                                        .unwrap_or(Value::Null),
                                    Value::Null,
                                    s(if c.nullable { "YES" } else { "" }),
                                    s("BTREE"),
                                    s(""),
                                    s(""),
                                ]);
                            }
                        };
                    add("PRIMARY", true, &t.primary);
                    for ix in &t.indexes {
                        add(&ix.name, ix.unique, &ix.columns);
                    }
                    out
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
                    out
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
            rows: ex.session.processlist(),
        },
        "FILES"
        | "PARTITIONS"
        | "TRIGGERS"
        | "ROUTINES"
        | "EVENTS"
        | "PLUGINS"
        | "ENGINES"
        | "REFERENTIAL_CONSTRAINTS"
        | "TABLE_CONSTRAINTS"
        | "CHECK_CONSTRAINTS" => {
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
                "TRIGGERS" => &[
                    "TRIGGER_CATALOG",
                    "TRIGGER_SCHEMA",
                    "TRIGGER_NAME",
                    "EVENT_MANIPULATION",
                    "EVENT_OBJECT_CATALOG",
                    "EVENT_OBJECT_SCHEMA",
                    "EVENT_OBJECT_TABLE",
                    "ACTION_ORDER",
                    "ACTION_CONDITION",
                    "ACTION_STATEMENT",
                    "ACTION_ORIENTATION",
                    "ACTION_TIMING",
                    "ACTION_REFERENCE_OLD_TABLE",
                    "ACTION_REFERENCE_NEW_TABLE",
                    "ACTION_REFERENCE_OLD_ROW",
                    "ACTION_REFERENCE_NEW_ROW",
                    "CREATED",
                    "SQL_MODE",
                    "DEFINER",
                    "CHARACTER_SET_CLIENT",
                    "COLLATION_CONNECTION",
                    "DATABASE_COLLATION",
                ],
                "ROUTINES" => &[
                    "SPECIFIC_NAME",
                    "ROUTINE_CATALOG",
                    "ROUTINE_SCHEMA",
                    "ROUTINE_NAME",
                    "ROUTINE_TYPE",
                    "DATA_TYPE",
                    "ROUTINE_BODY",
                    "ROUTINE_DEFINITION",
                    "EXTERNAL_NAME",
                    "IS_DETERMINISTIC",
                    "SQL_DATA_ACCESS",
                    "SECURITY_TYPE",
                    "CREATED",
                    "LAST_ALTERED",
                    "SQL_MODE",
                    "ROUTINE_COMMENT",
                    "DEFINER",
                ],
                "EVENTS" => &[
                    "EVENT_CATALOG",
                    "EVENT_SCHEMA",
                    "EVENT_NAME",
                    "DEFINER",
                    "TIME_ZONE",
                    "EVENT_BODY",
                    "EVENT_DEFINITION",
                    "EVENT_TYPE",
                    "EXECUTE_AT",
                    "INTERVAL_VALUE",
                    "INTERVAL_FIELD",
                    "SQL_MODE",
                    "STARTS",
                    "ENDS",
                    "STATUS",
                    "ON_COMPLETION",
                    "CREATED",
                    "LAST_ALTERED",
                    "LAST_EXECUTED",
                    "EVENT_COMMENT",
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
