//! CHECKSUM TABLE, computed as MariaDB 10.11 computes it.
