//! MySQL error codes used across Borealis, with the SQLSTATE MySQL sends for each.
//!
//! Drivers and ORMs act on these numbers (1062 duplicate key, 1213 deadlock → retry, 1045 bad
//! password...), so never collapse an error into [`ER_UNKNOWN_ERROR`] when a specific code
//! exists. Add a code here (constant + row in [`TABLE`]) before using it elsewhere.

/// 1043: bad handshake.
pub const ER_HANDSHAKE_ERROR: u16 = 1043;
/// 1040: too many connections (`max_connections`; one more for an account with SUPER).
pub const ER_CON_COUNT_ERROR: u16 = 1040;
/// 4031: the client was idle longer than `wait_timeout` (MySQL 8.0.24's message before the
/// server closes the connection).
pub const ER_CLIENT_INTERACTION_TIMEOUT: u16 = 4031;
/// 1690: a numeric result out of its type's range (`9223372036854775807 + 1`).
pub const ER_DATA_OUT_OF_RANGE: u16 = 1690;
/// 1044: access denied for user to database.
pub const ER_DBACCESS_DENIED_ERROR: u16 = 1044;
/// 1045: wrong user or password.
pub const ER_ACCESS_DENIED_ERROR: u16 = 1045;
/// 1046: no database selected.
pub const ER_NO_DB_ERROR: u16 = 1046;
/// 1047: unknown command (protocol level).
pub const ER_UNKNOWN_COM_ERROR: u16 = 1047;
/// 1048: column cannot be null.
pub const ER_BAD_NULL_ERROR: u16 = 1048;
/// 1049: unknown database.
pub const ER_BAD_DB_ERROR: u16 = 1049;
/// 1050: table already exists.
pub const ER_TABLE_EXISTS_ERROR: u16 = 1050;
/// 1051: unknown table (DROP).
pub const ER_BAD_TABLE_ERROR: u16 = 1051;
/// 1054: unknown column.
pub const ER_BAD_FIELD_ERROR: u16 = 1054;
/// 1062: duplicate entry for key.
pub const ER_DUP_ENTRY: u16 = 1062;
/// 1064: SQL syntax error.
pub const ER_PARSE_ERROR: u16 = 1064;
/// 1265: data truncated for a column (an error in strict mode: a SET member that does
/// not exist).
pub const WARN_DATA_TRUNCATED: u16 = 1265;
/// 1367: an illegal value of a type found while parsing (a SET default naming no member).
pub const ER_ILLEGAL_VALUE_FOR_TYPE: u16 = 1367;
/// 1021: the disk is full (a write failed with ENOSPC/EDQUOT; the statement was not
/// committed and may be retried once space is freed).
pub const ER_DISK_FULL: u16 = 1021;
/// 1105: unknown error; only when nothing more specific fits.
pub const ER_UNKNOWN_ERROR: u16 = 1105;
/// 1142: command denied to user for table.
pub const ER_TABLEACCESS_DENIED_ERROR: u16 = 1142;
/// 1133: GRANT/REVOKE names an account that does not exist.
pub const ER_PASSWORD_NO_MATCH: u16 = 1133;
/// 1141: SHOW GRANTS for an account that does not exist.
pub const ER_NONEXISTING_GRANT: u16 = 1141;
/// 1143: command denied to user for a column (column privileges).
pub const ER_COLUMNACCESS_DENIED_ERROR: u16 = 1143;
/// 1146: table doesn't exist.
pub const ER_NO_SUCH_TABLE: u16 = 1146;
/// 1147: REVOKE of a table or column privilege the account does not hold.
pub const ER_NONEXISTING_TABLE_GRANT: u16 = 1147;
/// 1153: packet bigger than max_allowed_packet.
pub const ER_NET_PACKET_TOO_LARGE: u16 = 1153;
/// 1156: packets out of order.
pub const ER_NET_PACKETS_OUT_OF_ORDER: u16 = 1156;
/// 1160: writing to the client failed while a result set was being sent.
pub const ER_NET_ERROR_ON_WRITE: u16 = 1160;
/// 1193: unknown system variable.
pub const ER_UNKNOWN_SYSTEM_VARIABLE: u16 = 1193;
/// 1210: incorrect arguments (e.g. malformed COM_STMT_EXECUTE).
pub const ER_WRONG_ARGUMENTS: u16 = 1210;
/// 1568: SET TRANSACTION (for the next transaction) inside a transaction.
pub const ER_CANT_CHANGE_TX_CHARACTERISTICS: u16 = 1568;
/// 1792: a write in a READ ONLY transaction.
pub const ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: u16 = 1792;
/// 1213: deadlock; drivers retry the transaction.
pub const ER_LOCK_DEADLOCK: u16 = 1213;
/// 1227: missing privilege for the operation.
pub const ER_SPECIFIC_ACCESS_DENIED_ERROR: u16 = 1227;
/// `execute command denied to user 'u'@'h' for routine 'db.p'`.
pub const ER_PROCACCESS_DENIED_ERROR: u16 = 1370;
/// `Illegal GRANT/REVOKE command; ...` (a privilege a table cannot have).
pub const ER_ILLEGAL_GRANT_FOR_TABLE: u16 = 1144;
/// 1235: feature not supported yet.
pub const ER_NOT_SUPPORTED_YET: u16 = 1235;
/// 1236: fatal error reading binlog (replication source side).
pub const ER_MASTER_FATAL_ERROR_READING_BINLOG: u16 = 1236;
/// 1243: unknown prepared statement handler.
pub const ER_UNKNOWN_STMT_HANDLER: u16 = 1243;
/// 1251: client does not support the authentication protocol.
pub const ER_NOT_SUPPORTED_AUTH_MODE: u16 = 1251;
/// 1264: out of range value for column.
pub const ER_WARN_DATA_OUT_OF_RANGE: u16 = 1264;
/// 1290: server running with an option that prevents the statement (read-only...).
pub const ER_OPTION_PREVENTS_STATEMENT: u16 = 1290;
/// 1292: truncated incorrect value.
pub const ER_TRUNCATED_WRONG_VALUE: u16 = 1292;
/// 1300: invalid character string.
pub const ER_INVALID_CHARACTER_STRING: u16 = 1300;
/// 1364: field doesn't have a default value.
pub const ER_NO_DEFAULT_FOR_FIELD: u16 = 1364;
/// 1366: incorrect value for column (e.g. string value).
pub const ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: u16 = 1366;
/// 1406: data too long for column.
pub const ER_DATA_TOO_LONG: u16 = 1406;
/// 1421: statement has no open cursor (COM_STMT_FETCH).
pub const ER_STMT_HAS_NO_OPEN_CURSOR: u16 = 1421;

/// 1304: stored routine already exists.
pub const ER_SP_ALREADY_EXISTS: u16 = 1304;
/// 1305: stored routine does not exist.
pub const ER_SP_DOES_NOT_EXIST: u16 = 1305;
/// 1318: wrong number of arguments to a stored routine.
pub const ER_SP_WRONG_NO_OF_ARGS: u16 = 1318;
/// 1320: no RETURN in a stored function.
pub const ER_SP_NORETURN: u16 = 1320;
/// 1414: OUT/INOUT argument is not a variable.
pub const ER_SP_NOT_VAR_ARG: u16 = 1414;
/// 1415: result set from a function or trigger.
pub const ER_SP_NO_RETSET: u16 = 1415;
/// 1053: the server is shutting down (sent to open connections as it stops).
pub const ER_SERVER_SHUTDOWN: u16 = 1053;
/// 1927: connection killed (MariaDB's ER_CONNECTION_KILLED; Borealis sends it to a session
/// whose cluster was backtracked or deleted under it).
pub const ER_CONNECTION_KILLED: u16 = 1927;
/// 1644: SIGNAL of an exception (sent with `45000`, the SQLSTATE user code signals).
pub const ER_SIGNAL_EXCEPTION: u16 = 1644;

/// 1060: duplicate column name (a derived table, CTE or view).
pub const ER_DUP_FIELDNAME: u16 = 1060;
/// 1066: a table or CTE name used twice.
pub const ER_NONUNIQ_TABLE: u16 = 1066;
/// 1222: the sides of a UNION/EXCEPT/INTERSECT differ in their column counts.
pub const ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT: u16 = 1222;
/// 1136: an INSERT row with more or fewer values than columns.
pub const ER_WRONG_VALUE_COUNT_ON_ROW: u16 = 1136;
/// 1101: a default for a BLOB, TEXT, GEOMETRY or JSON column.
pub const ER_BLOB_CANT_HAVE_DEFAULT: u16 = 1101;
/// 1241: a row where one value is wanted (`x IN (SELECT a, b …)`).
pub const ER_OPERAND_COLUMNS: u16 = 1241;
/// 1052: a column name that more than one table of the statement has.
pub const ER_NON_UNIQ_ERROR: u16 = 1052;
/// 1109: a multi-table DELETE target that is not a table of its join.
pub const ER_UNKNOWN_TABLE: u16 = 1109;
/// 1091: DROP of a column, index or foreign key that does not exist.
pub const ER_CANT_DROP_FIELD_OR_KEY: u16 = 1091;
/// 1451: a parent row with children (foreign key RESTRICT / NO ACTION).
pub const ER_ROW_IS_REFERENCED_2: u16 = 1451;
/// 1452: a child row without its parent.
pub const ER_NO_REFERENCED_ROW_2: u16 = 1452;
/// 1701: TRUNCATE of a table another table's foreign key references.
pub const ER_TRUNCATE_ILLEGAL_FK: u16 = 1701;

/// Every code above with its SQLSTATE, as MySQL 8.0 (MariaDB for its own codes) sends it.
pub const TABLE: &[(u16, &str)] = &[
    (ER_HANDSHAKE_ERROR, "08S01"),
    (ER_CON_COUNT_ERROR, "08004"),
    (ER_DATA_OUT_OF_RANGE, "22003"),
    (ER_CLIENT_INTERACTION_TIMEOUT, "HY000"),
    (ER_DBACCESS_DENIED_ERROR, "42000"),
    (ER_ACCESS_DENIED_ERROR, "28000"),
    (ER_NO_DB_ERROR, "3D000"),
    (ER_UNKNOWN_COM_ERROR, "08S01"),
    (ER_BAD_NULL_ERROR, "23000"),
    (ER_BAD_DB_ERROR, "42000"),
    (ER_TABLE_EXISTS_ERROR, "42S01"),
    (ER_BAD_TABLE_ERROR, "42S02"),
    (ER_BAD_FIELD_ERROR, "42S22"),
    (ER_DUP_FIELDNAME, "42S21"),
    (ER_NONUNIQ_TABLE, "42000"),
    (ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT, "21000"),
    (ER_WRONG_VALUE_COUNT_ON_ROW, "21S01"),
    (ER_BLOB_CANT_HAVE_DEFAULT, "42000"),
    (ER_OPERAND_COLUMNS, "21000"),
    (ER_NON_UNIQ_ERROR, "23000"),
    (ER_UNKNOWN_TABLE, "42S02"),
    (ER_CANT_DROP_FIELD_OR_KEY, "42000"),
    (ER_ROW_IS_REFERENCED_2, "23000"),
    (ER_NO_REFERENCED_ROW_2, "23000"),
    (ER_TRUNCATE_ILLEGAL_FK, "42000"),
    (ER_DUP_ENTRY, "23000"),
    (ER_PARSE_ERROR, "42000"),
    (ER_DISK_FULL, "HY000"),
    (WARN_DATA_TRUNCATED, "01000"),
    (ER_ILLEGAL_VALUE_FOR_TYPE, "22007"),
    (ER_UNKNOWN_ERROR, "HY000"),
    (ER_TABLEACCESS_DENIED_ERROR, "42000"),
    (ER_PASSWORD_NO_MATCH, "28000"),
    (ER_NONEXISTING_GRANT, "42000"),
    (ER_COLUMNACCESS_DENIED_ERROR, "42000"),
    (ER_NO_SUCH_TABLE, "42S02"),
    (ER_NONEXISTING_TABLE_GRANT, "42000"),
    (ER_NET_PACKET_TOO_LARGE, "08S01"),
    (ER_NET_PACKETS_OUT_OF_ORDER, "08S01"),
    (ER_NET_ERROR_ON_WRITE, "08S01"),
    (ER_UNKNOWN_SYSTEM_VARIABLE, "HY000"),
    (ER_WRONG_ARGUMENTS, "HY000"),
    (ER_LOCK_DEADLOCK, "40001"),
    (ER_SPECIFIC_ACCESS_DENIED_ERROR, "42000"),
    (ER_PROCACCESS_DENIED_ERROR, "42000"),
    (ER_ILLEGAL_GRANT_FOR_TABLE, "42000"),
    (ER_NOT_SUPPORTED_YET, "42000"),
    (ER_MASTER_FATAL_ERROR_READING_BINLOG, "HY000"),
    (ER_UNKNOWN_STMT_HANDLER, "HY000"),
    (ER_NOT_SUPPORTED_AUTH_MODE, "08004"),
    (ER_WARN_DATA_OUT_OF_RANGE, "22003"),
    (ER_OPTION_PREVENTS_STATEMENT, "HY000"),
    (ER_TRUNCATED_WRONG_VALUE, "22007"),
    (ER_INVALID_CHARACTER_STRING, "HY000"),
    (ER_NO_DEFAULT_FOR_FIELD, "HY000"),
    (ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, "HY000"),
    (ER_DATA_TOO_LONG, "22001"),
    (ER_STMT_HAS_NO_OPEN_CURSOR, "HY000"),
    (ER_SP_ALREADY_EXISTS, "42000"),
    (ER_SP_DOES_NOT_EXIST, "42000"),
    (ER_SP_WRONG_NO_OF_ARGS, "42000"),
    (ER_SP_NORETURN, "42000"),
    (ER_SP_NOT_VAR_ARG, "42000"),
    (ER_SP_NO_RETSET, "0A000"),
    (ER_SIGNAL_EXCEPTION, "45000"),
    (ER_CONNECTION_KILLED, "70100"),
    (ER_SERVER_SHUTDOWN, "08S01"),
    (ER_CANT_CHANGE_TX_CHARACTERISTICS, "25001"),
    (ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, "25006"),
    // Geometry columns, SPATIAL keys and the spatial functions (MySQL 8.0).
    (1070, "42000"),
    (1089, "HY000"),
    (1252, "42000"),
    (1416, "22003"),
    (1687, "42000"),
    (3037, "22023"),
    (3548, "SR001"),
    // The JSON family (MySQL 8.0).
    (1115, "42000"),
    (1582, "42000"),
    (3140, "22032"),
    (3141, "22032"),
    (3143, "42000"),
    (3146, "22032"),
    (3149, "42000"),
    (3150, "42000"),
    (3152, "42000"),
    (3153, "42000"),
    (3157, "22032"),
    (3158, "22032"),
    (3165, "42000"),
    // ER_KEY_DOES_NOT_EXITS: ALTER INDEX of an index the table does not have.
    (1176, "42000"),
];

/// The SQLSTATE for `code`; `HY000` (general error) for codes not in [`TABLE`].
pub fn sqlstate(code: u16) -> [u8; 5] {
    let state = TABLE
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("HY000", |(_, s)| *s);
    let mut out = *b"HY000";
    out.copy_from_slice(&state.as_bytes()[..5]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_well_formed() {
        for (i, (code, state)) in TABLE.iter().enumerate() {
            assert_eq!(state.len(), 5, "{code}");
            assert!(state.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");
            assert!(
                TABLE[i + 1..].iter().all(|(c, _)| c != code),
                "duplicate {code}"
            );
        }
    }

    #[test]
    fn known_states() {
        assert_eq!(&sqlstate(ER_DUP_ENTRY), b"23000");
        assert_eq!(&sqlstate(ER_ACCESS_DENIED_ERROR), b"28000");
        assert_eq!(&sqlstate(ER_LOCK_DEADLOCK), b"40001");
        assert_eq!(&sqlstate(ER_NO_SUCH_TABLE), b"42S02");
        assert_eq!(&sqlstate(9999), b"HY000");
    }
}
