//! Which account owns each resource, and the AWS RAM resource shares (DESIGN "Control
//! plane"): records of the registry, kept under the fleet's lock and saved with it. The
//! rules (who may see what) are the API's: `crate::api` and `crate::ram`.

use std::collections::BTreeMap;

use super::{ApiError, Fleet, State};
use crate::registry::ShareMeta;

/// The registry key of a resource: `KIND:NAME`, the name in lower case as the fleet keeps it.
fn key(kind: &str, name: &str) -> String {
    format!("{kind}:{}", name.to_ascii_lowercase())
}

impl Fleet {
    /// The account recorded as the owner of resource `name` of ARN kind `kind`.
    pub fn owner(&self, kind: &str, name: &str) -> Option<String> {
        self.lock().reg.owners.get(&key(kind, name)).cloned()
    }

    /// Records `account` as the owner of a resource just made (replacing the record of a
    /// deleted resource that had the name).
    pub fn set_owner(&self, kind: &str, name: &str, account: &str) -> Result<(), ApiError> {
        let mut st = self.lock();
        st.reg.owners.insert(key(kind, name), account.to_string());
        self.save(&st)
    }

    /// Moves the owner record of a renamed resource.
    pub fn rename_owner(&self, kind: &str, old: &str, new: &str) -> Result<(), ApiError> {
        let mut st = self.lock();
        if let Some(a) = st.reg.owners.remove(&key(kind, old)) {
            st.reg.owners.insert(key(kind, new), a);
        }
        self.save(&st)
    }

    /// Reads the resource shares.
    pub fn read_shares<R>(&self, f: impl FnOnce(&BTreeMap<String, ShareMeta>) -> R) -> R {
        f(&self.lock().reg.shares)
    }

    /// Changes the resource shares under the fleet's lock, saving the registry when `f`
    /// succeeds.
    pub fn change_shares<R, E: From<ApiError>>(
        &self,
        f: impl FnOnce(&mut BTreeMap<String, ShareMeta>) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut st = self.lock();
        let r = f(&mut st.reg.shares)?;
        self.save(&st)?;
        Ok(r)
    }
}

/// Moves the owner record of a renamed resource, under the fleet's lock (the caller saves).
pub(super) fn move_owner(st: &mut State, kind: &str, old: &str, new: &str) {
    if let Some(a) = st.reg.owners.remove(&key(kind, old)) {
        st.reg.owners.insert(key(kind, new), a);
    }
}
