//! The protocol's numbers: column types, column definition flags, server status flags and
//! capability bits, as MySQL's `include/mysql_com.h` and `field_types.h` define them.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Not};

/// A column's type on the wire (`enum_field_types`), in column definitions, binary rows and
/// COM_STMT_EXECUTE parameter types. The names are MySQL's, so they read as in its sources.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ColumnType {
    MYSQL_TYPE_DECIMAL = 0,
    MYSQL_TYPE_TINY = 1,
    MYSQL_TYPE_SHORT = 2,
    MYSQL_TYPE_LONG = 3,
    MYSQL_TYPE_FLOAT = 4,
    MYSQL_TYPE_DOUBLE = 5,
    MYSQL_TYPE_NULL = 6,
    MYSQL_TYPE_TIMESTAMP = 7,
    MYSQL_TYPE_LONGLONG = 8,
    MYSQL_TYPE_INT24 = 9,
    MYSQL_TYPE_DATE = 10,
    MYSQL_TYPE_TIME = 11,
    MYSQL_TYPE_DATETIME = 12,
    MYSQL_TYPE_YEAR = 13,
    MYSQL_TYPE_NEWDATE = 14,
    MYSQL_TYPE_VARCHAR = 15,
    MYSQL_TYPE_BIT = 16,
    MYSQL_TYPE_TIMESTAMP2 = 17,
    MYSQL_TYPE_DATETIME2 = 18,
    MYSQL_TYPE_TIME2 = 19,
    MYSQL_TYPE_JSON = 245,
    MYSQL_TYPE_NEWDECIMAL = 246,
    MYSQL_TYPE_ENUM = 247,
    MYSQL_TYPE_SET = 248,
    MYSQL_TYPE_TINY_BLOB = 249,
    MYSQL_TYPE_MEDIUM_BLOB = 250,
    MYSQL_TYPE_LONG_BLOB = 251,
    MYSQL_TYPE_BLOB = 252,
    MYSQL_TYPE_VAR_STRING = 253,
    MYSQL_TYPE_STRING = 254,
    MYSQL_TYPE_GEOMETRY = 255,
}

/// A type byte that names no column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownColumnType(pub u8);

impl TryFrom<u8> for ColumnType {
    type Error = UnknownColumnType;

    fn try_from(b: u8) -> Result<Self, Self::Error> {
        use ColumnType::*;
        Ok(match b {
            0 => MYSQL_TYPE_DECIMAL,
            1 => MYSQL_TYPE_TINY,
            2 => MYSQL_TYPE_SHORT,
            3 => MYSQL_TYPE_LONG,
            4 => MYSQL_TYPE_FLOAT,
            5 => MYSQL_TYPE_DOUBLE,
            6 => MYSQL_TYPE_NULL,
            7 => MYSQL_TYPE_TIMESTAMP,
            8 => MYSQL_TYPE_LONGLONG,
            9 => MYSQL_TYPE_INT24,
            10 => MYSQL_TYPE_DATE,
            11 => MYSQL_TYPE_TIME,
            12 => MYSQL_TYPE_DATETIME,
            13 => MYSQL_TYPE_YEAR,
            14 => MYSQL_TYPE_NEWDATE,
            15 => MYSQL_TYPE_VARCHAR,
            16 => MYSQL_TYPE_BIT,
            17 => MYSQL_TYPE_TIMESTAMP2,
            18 => MYSQL_TYPE_DATETIME2,
            19 => MYSQL_TYPE_TIME2,
            245 => MYSQL_TYPE_JSON,
            246 => MYSQL_TYPE_NEWDECIMAL,
            247 => MYSQL_TYPE_ENUM,
            248 => MYSQL_TYPE_SET,
            249 => MYSQL_TYPE_TINY_BLOB,
            250 => MYSQL_TYPE_MEDIUM_BLOB,
            251 => MYSQL_TYPE_LONG_BLOB,
            252 => MYSQL_TYPE_BLOB,
            253 => MYSQL_TYPE_VAR_STRING,
            254 => MYSQL_TYPE_STRING,
            255 => MYSQL_TYPE_GEOMETRY,
            other => return Err(UnknownColumnType(other)),
        })
    }
}

/// The flags of a column definition (`NOT_NULL_FLAG` ...), 16 bits on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ColumnFlags(u16);

impl ColumnFlags {
    pub const NOT_NULL_FLAG: Self = Self(1);
    pub const PRI_KEY_FLAG: Self = Self(1 << 1);
    pub const UNIQUE_KEY_FLAG: Self = Self(1 << 2);
    pub const MULTIPLE_KEY_FLAG: Self = Self(1 << 3);
    pub const BLOB_FLAG: Self = Self(1 << 4);
    pub const UNSIGNED_FLAG: Self = Self(1 << 5);
    pub const ZEROFILL_FLAG: Self = Self(1 << 6);
    pub const BINARY_FLAG: Self = Self(1 << 7);
    pub const ENUM_FLAG: Self = Self(1 << 8);
    pub const AUTO_INCREMENT_FLAG: Self = Self(1 << 9);
    pub const TIMESTAMP_FLAG: Self = Self(1 << 10);
    pub const SET_FLAG: Self = Self(1 << 11);
    pub const NO_DEFAULT_VALUE_FLAG: Self = Self(1 << 12);
    pub const ON_UPDATE_NOW_FLAG: Self = Self(1 << 13);
    pub const PART_KEY_FLAG: Self = Self(1 << 14);
    pub const NUM_FLAG: Self = Self(1 << 15);

    /// No flag set.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// The wire value.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for ColumnFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for ColumnFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for ColumnFlags {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl Not for ColumnFlags {
    type Output = Self;
    fn not(self) -> Self {
        Self(!self.0)
    }
}

impl fmt::Debug for ColumnFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ColumnFlags({:#06x})", self.0)
    }
}

/// Server status bits of OK and EOF packets.
pub mod status {
    pub const SERVER_STATUS_IN_TRANS: u16 = 1;
    pub const SERVER_STATUS_AUTOCOMMIT: u16 = 1 << 1;
    pub const SERVER_MORE_RESULTS_EXISTS: u16 = 1 << 3;
}

/// Capability bits of the handshake.
pub mod capability {
    pub const CLIENT_LONG_PASSWORD: u32 = 1;
    pub const CLIENT_FOUND_ROWS: u32 = 1 << 1;
    pub const CLIENT_LONG_FLAG: u32 = 1 << 2;
    pub const CLIENT_CONNECT_WITH_DB: u32 = 1 << 3;
    pub const CLIENT_IGNORE_SPACE: u32 = 1 << 8;
    pub const CLIENT_PROTOCOL_41: u32 = 1 << 9;
    pub const CLIENT_INTERACTIVE: u32 = 1 << 10;
    pub const CLIENT_SSL: u32 = 1 << 11;
    pub const CLIENT_IGNORE_SIGPIPE: u32 = 1 << 12;
    pub const CLIENT_TRANSACTIONS: u32 = 1 << 13;
    pub const CLIENT_SECURE_CONNECTION: u32 = 1 << 15;
    pub const CLIENT_MULTI_STATEMENTS: u32 = 1 << 16;
    pub const CLIENT_MULTI_RESULTS: u32 = 1 << 17;
    pub const CLIENT_PS_MULTI_RESULTS: u32 = 1 << 18;
    pub const CLIENT_PLUGIN_AUTH: u32 = 1 << 19;
    pub const CLIENT_CONNECT_ATTRS: u32 = 1 << 20;
    pub const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 1 << 21;
    pub const CLIENT_DEPRECATE_EOF: u32 = 1 << 24;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_byte_round_trips() {
        for b in 0..=255u8 {
            if let Ok(t) = ColumnType::try_from(b) {
                assert_eq!(t as u8, b);
            }
        }
        assert_eq!(ColumnType::try_from(20), Err(UnknownColumnType(20)));
        assert_eq!(
            ColumnType::try_from(253),
            Ok(ColumnType::MYSQL_TYPE_VAR_STRING)
        );
    }

    #[test]
    fn flags_combine() {
        let f = ColumnFlags::NOT_NULL_FLAG | ColumnFlags::NUM_FLAG;
        assert_eq!(f.bits(), 0x8001);
        assert!(f.contains(ColumnFlags::NUM_FLAG));
        assert!(!f.contains(ColumnFlags::UNSIGNED_FLAG));
    }
}
