//! The accounts the API serves (DESIGN "Control plane"): `--account ID:ACCESS_KEY:SECRET`
//! (repeatable) and `--accounts-file PATH` (one such line each, `#` comments).
//!
//! With none configured the server is open: every request, signed with any credentials or
//! not at all, is account [`OPEN_ACCOUNT`]. With accounts, a request's SigV4 access key
//! picks its account and the signature is checked with that account's secret
//! (`InvalidClientTokenId` for an unknown key, `SignatureDoesNotMatch` for a wrong
//! secret).
//!
//! Resources made before accounts were configured (no owner record in the registry)
//! belong to the [default account](Accounts::default_account): the first one given.

use std::path::Path;

/// The account of an open server (and of `--api-access-key`/`--api-secret-key`).
pub const OPEN_ACCOUNT: &str = "000000000000";

/// One account: its 12-digit ID and its one access key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub access_key: String,
    pub secret: String,
}

/// The configured accounts (empty: an open server).
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    list: Vec<Account>,
}

/// Whether `id` is an AWS account ID: 12 digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

impl Account {
    /// `ID:ACCESS_KEY:SECRET` (the secret may hold `:`).
    pub fn parse(spec: &str) -> Result<Account, String> {
        let mut p = spec.trim().splitn(3, ':');
        let (id, ak, sk) = (p.next(), p.next(), p.next());
        match (id, ak, sk) {
            (Some(id), Some(ak), Some(sk))
                if is_account_id(id) && !ak.is_empty() && !sk.is_empty() =>
            {
                Ok(Account {
                    id: id.into(),
                    access_key: ak.into(),
                    secret: sk.into(),
                })
            }
            _ => Err(format!(
                "an account is ID:ACCESS_KEY:SECRET with a 12-digit ID, e.g. \
                 111122223333:AKIDEXAMPLE:secret (got '{}')",
                spec.split(':').next().unwrap_or("")
            )),
        }
    }
}

impl Accounts {
    /// Accounts from `--account` specs and accounts files, in order; a key given twice is
    /// refused (it could not say which account a request is).
    pub fn new(list: Vec<Account>) -> Result<Accounts, String> {
        for (n, a) in list.iter().enumerate() {
            if list[..n].iter().any(|b| b.access_key == a.access_key) {
                return Err(format!(
                    "access key {} is given to two accounts",
                    a.access_key
                ));
            }
        }
        Ok(Accounts { list })
    }

    /// The accounts of an accounts file: `ID:ACCESS_KEY:SECRET` a line, blank lines and
    /// `#` comments skipped.
    pub fn read_file(path: &Path) -> Result<Vec<Account>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read accounts file {}: {e}", path.display()))?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|(n, l)| {
                Account::parse(l).map_err(|e| format!("{} line {}: {e}", path.display(), n + 1))
            })
            .collect()
    }

    /// Whether requests are open (no accounts configured: no signature is checked).
    pub fn is_open(&self) -> bool {
        self.list.is_empty()
    }

    /// The account of resources with no owner record: the first configured, or
    /// [`OPEN_ACCOUNT`].
    pub fn default_account(&self) -> &str {
        self.list.first().map_or(OPEN_ACCOUNT, |a| a.id.as_str())
    }

    /// The account whose access key is `key`.
    pub fn by_key(&self, key: &str) -> Option<&Account> {
        self.list.iter().find(|a| a.access_key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_files() {
        let a = Account::parse("111122223333:AK1:se:cret").unwrap();
        assert_eq!(
            (a.id.as_str(), a.access_key.as_str(), a.secret.as_str()),
            ("111122223333", "AK1", "se:cret")
        );
        for bad in ["", "1111:AK:SK", "111122223333:AK", "111122223333::SK", "x"] {
            assert!(Account::parse(bad).is_err(), "{bad}");
        }
        let dir = std::env::temp_dir().join(format!("borealis-accounts-{}", std::process::id()));
        std::fs::write(
            &dir,
            "# owner\n111122223333:AK1:SK1\n\n  # other\n444455556666:AK2:SK2\n",
        )
        .unwrap();
        let list = Accounts::read_file(&dir).unwrap();
        let _ = std::fs::remove_file(&dir);
        let accts = Accounts::new(list).unwrap();
        assert_eq!(accts.default_account(), "111122223333");
        assert_eq!(accts.by_key("AK2").unwrap().id, "444455556666");
        assert!(accts.by_key("AK3").is_none());
        assert!(!accts.is_open());
        let dup = vec![
            Account::parse("111122223333:AK:S").unwrap(),
            Account::parse("444455556666:AK:T").unwrap(),
        ];
        assert!(Accounts::new(dup).is_err());
        assert_eq!(Accounts::default().default_account(), OPEN_ACCOUNT);
    }
}
