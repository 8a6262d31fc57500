//! The copy-on-write page volume.
