//! The catalog and tags: DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions,
//! AddTagsToResource / ListTagsForResource / RemoveTagsFromResource, and `--tags` on the
//! calls that create a resource.
//!
//! The catalog is what this server runs, not a copy of AWS's: one engine, `aurora-mysql`
//! (Aurora MySQL 3: MySQL 8.0's protocol and SQL), one version ([`ENGINE_VERSION`], what
//! DescribeDBClusters shows by default), the parameter group family
//! [`params::FAMILY`], and the instance classes CreateDBInstance accepts
//! ([`INSTANCE_CLASSES`]; a class sizes nothing here, where every instance of a cluster
//! serves the cluster's one engine: it is checked, recorded and shown).
//!
//! Tags follow RDS's rules (key 1–128 characters, value 0–256, neither starting with
//! `aws:`, at most [`MAX_TAGS`] per resource) and live in the registry by resource (its
//! ARN kind and name); they go when the resource is deleted.

use super::*;

/// The only engine.
pub const ENGINE: &str = "aurora-mysql";
/// The engine version clusters get (and the only one listed).
pub const ENGINE_VERSION: &str = "8.0.mysql_aurora.3.05.2";
/// The instance classes CreateDBInstance accepts (DescribeOrderableDBInstanceOptions).
pub const INSTANCE_CLASSES: &[&str] = &[
    "db.r4.large",
    "db.r5.large",
    "db.r5.xlarge",
    "db.r5.2xlarge",
    "db.r6g.large",
    "db.r6g.xlarge",
    "db.r6g.2xlarge",
    "db.r6i.large",
    "db.r6i.xlarge",
    "db.r7g.large",
    "db.r7g.xlarge",
    "db.t3.medium",
    "db.t3.large",
    "db.t4g.medium",
    "db.t4g.large",
];
/// Tags per resource, as RDS allows.
pub const MAX_TAGS: usize = 50;

/// A row of DescribeDBEngineVersions.
#[derive(Clone, Debug)]
pub struct EngineVersionView {
    pub engine: &'static str,
    pub version: &'static str,
    pub family: &'static str,
    pub description: &'static str,
    pub version_description: &'static str,
}

/// DescribeDBEngineVersions with its filters (`default_only` changes nothing: there is one
/// version).
pub fn engine_versions(
    engine: Option<&str>,
    version: Option<&str>,
    family: Option<&str>,
) -> Vec<EngineVersionView> {
    let v = EngineVersionView {
        engine: ENGINE,
        version: ENGINE_VERSION,
        family: params::FAMILY,
        description: "Aurora MySQL",
        version_description: "Aurora MySQL 3.05.2 (compatible with MySQL 8.0.32)",
    };
    let keep = engine.is_none_or(|e| e == v.engine)
        && version.is_none_or(|e| e == v.version || v.version.starts_with(&format!("{e}.")))
        && family.is_none_or(|f| f == v.family);
    if keep {
        vec![v]
    } else {
        Vec::new()
    }
}

/// The instance classes of DescribeOrderableDBInstanceOptions for `engine` (required, as
/// on RDS), with its filters.
pub fn orderable_classes(
    engine: &str,
    version: Option<&str>,
    class: Option<&str>,
) -> Result<Vec<&'static str>, ApiError> {
    if engine.is_empty() {
        return Err(ApiError::invalid("The parameter Engine must be provided."));
    }
    if engine != ENGINE || version.is_some_and(|v| v != ENGINE_VERSION) {
        return Ok(Vec::new());
    }
    Ok(INSTANCE_CLASSES
        .iter()
        .copied()
        .filter(|c| class.is_none_or(|k| k == *c))
        .collect())
}

/// CreateDBInstance's class check: RDS's InvalidParameterCombination for a class the
/// catalog does not list.
pub fn check_instance_class(class: &str) -> Result<(), ApiError> {
    if INSTANCE_CLASSES.contains(&class) {
        return Ok(());
    }
    Err(ApiError::new(
        400,
        "InvalidParameterCombination",
        format!(
            "RDS does not support creating a DB instance with the following combination: \
             DBInstanceClass={class}, Engine={ENGINE}, EngineVersion={ENGINE_VERSION}, \
             LicenseModel=general-public-license. For supported combinations of instance \
             class and database engine version, see describe-orderable-db-instance-options."
        ),
    ))
}

/// Checks tags against RDS's rules before anything is created or stored.
pub fn check_tags(tags: &[(String, String)]) -> Result<(), ApiError> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(ApiError::invalid(format!(
                "Tag key '{k}' must be 1 to 128 characters long."
            )));
        }
        if v.chars().count() > 256 {
            return Err(ApiError::invalid(format!(
                "The value of tag '{k}' must be at most 256 characters long."
            )));
        }
        for (what, s) in [("key", k), ("value", v)] {
            if s.to_ascii_lowercase().starts_with("aws:") {
                return Err(ApiError::invalid(format!(
                    "Tag {what} '{s}' cannot start with 'aws:': that prefix is reserved."
                )));
            }
            let ok = s
                .chars()
                .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c));
            if !ok {
                return Err(ApiError::invalid(format!(
                    "Tag {what} '{s}' may hold only letters, digits, white space and _ . : / = + - @."
                )));
            }
        }
    }
    Ok(())
}

fn resource_key(kind: &str, name: &str) -> String {
    format!("{kind}:{name}")
}

impl Fleet {
    /// The resource `name` of ARN kind `kind`, checked to exist (its not-found error
    /// otherwise).
    fn tag_resource(st: &State, kind: &str, name: &str) -> Result<String, ApiError> {
        let name = name.to_ascii_lowercase();
        let exists = match kind {
            "cluster" => st.reg.clusters.contains_key(&name),
            "db" => st.reg.instances.contains_key(&name),
            "cluster-snapshot" => st.reg.snapshots.contains_key(&name),
            "cluster-pg" => Self::param_group(st, &name).is_ok(),
            other => {
                return Err(ApiError::invalid(format!(
                    "Borealis has no {other} resources to tag: tag a cluster, db, \
                     cluster-snapshot or cluster-pg."
                )))
            }
        };
        if exists {
            return Ok(resource_key(kind, &name));
        }
        Err(match kind {
            "cluster" => ApiError::cluster_not_found(&name),
            "db" => lifecycle::instance_not_found(&name),
            "cluster-snapshot" => snapshot_not_found(&name),
            _ => params::group_not_found(&name),
        })
    }

    /// AddTagsToResource (also `--tags` of the create calls): a key already set takes the
    /// new value.
    pub fn add_tags(
        &self,
        kind: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), ApiError> {
        check_tags(tags)?;
        let mut st = self.lock();
        let key = Self::tag_resource(&st, kind, name)?;
        let mut now = st.reg.tags.get(&key).cloned().unwrap_or_default();
        for (k, v) in tags {
            now.insert(k.clone(), v.clone());
        }
        if now.len() > MAX_TAGS {
            return Err(ApiError::new(
                400,
                "TagQuotaPerResourceExceeded",
                format!("A resource can have at most {MAX_TAGS} tags."),
            ));
        }
        st.reg.tags.insert(key, now);
        self.save(&st)
    }

    /// ListTagsForResource.
    pub fn list_tags(&self, kind: &str, name: &str) -> Result<Vec<(String, String)>, ApiError> {
        let st = self.lock();
        let key = Self::tag_resource(&st, kind, name)?;
        Ok(st
            .reg
            .tags
            .get(&key)
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    /// RemoveTagsFromResource: keys that are not set are ignored, as on RDS.
    pub fn remove_tags(&self, kind: &str, name: &str, keys: &[String]) -> Result<(), ApiError> {
        let mut st = self.lock();
        let key = Self::tag_resource(&st, kind, name)?;
        if let Some(t) = st.reg.tags.get_mut(&key) {
            for k in keys {
                t.remove(k);
            }
            if t.is_empty() {
                st.reg.tags.remove(&key);
            }
        }
        self.save(&st)
    }
}

/// The tags of resource `name` of ARN kind `kind` (TagList of the describe calls).
pub(super) fn tags_of(st: &State, kind: &str, name: &str) -> Vec<(String, String)> {
    st.reg
        .tags
        .get(&resource_key(kind, &name.to_ascii_lowercase()))
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Moves the tags of a renamed resource.
pub(super) fn move_tags(st: &mut State, kind: &str, old: &str, new: &str) {
    if let Some(t) = st.reg.tags.remove(&resource_key(kind, old)) {
        st.reg.tags.insert(resource_key(kind, new), t);
    }
}

/// Forgets the tags of a deleted resource (the caller saves the registry).
pub(super) fn drop_tags(st: &mut State, kind: &str, name: &str) {
    st.reg.tags.remove(&resource_key(kind, name));
}
