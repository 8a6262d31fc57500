//! Parser front-end: versioned comments and the statements sqlparser does not know.
