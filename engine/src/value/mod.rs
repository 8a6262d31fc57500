//! SQL values, types and their byte encodings.
