//! DB cluster parameter groups: CreateDBClusterParameterGroup,
//! DescribeDBClusterParameterGroups, ModifyDBClusterParameterGroup,
//! ResetDBClusterParameterGroup, DeleteDBClusterParameterGroup, DescribeDBClusterParameters,
//! and a cluster's group (CreateDBCluster, the restores, ModifyDBCluster).
//!
//! A parameter is one of the server's real global variables ([`PARAMETERS`]); its type,
//! allowed values and default come from the engine's variable registry, and a value is
//! checked by the engine's own parser before it is stored (InvalidParameterValue
//! otherwise, nothing stored). Every parameter offered is dynamic: a change applies at
//! once (`SET GLOBAL`, new sessions take it; open sessions keep their session values, as
//! in MySQL) to every cluster using the group, and again whenever a cluster's engine
//! opens (a restart), so the group is what the cluster runs with. `ApplyMethod
//! pending-reboot` keeps the change for the next reboot of the cluster's writer
//! (RebootDBInstance, [`super::lifecycle`]) or start of the server (the member's
//! DBClusterParameterGroupStatus says `pending-reboot` until then). The default group
//! `default.aurora-mysql8.0` sets nothing and cannot be changed or deleted.

use std::collections::BTreeMap;

use borealis_engine::sql::vars::{self, GlobalVars, SetValue, VarKind};

use super::*;
use crate::registry::ParamGroupMeta;

/// The group every cluster has unless given another.
pub const DEFAULT_GROUP: &str = "default.aurora-mysql8.0";
/// The only family Borealis serves.
pub const FAMILY: &str = "aurora-mysql8.0";

/// The parameters a cluster parameter group can set, with what each does.
pub const PARAMETERS: &[(&str, &str)] = &[
    (
        "binlog_format",
        "Format of binary log events: ROW, STATEMENT or MIXED.",
    ),
    (
        "binlog_row_image",
        "Columns logged in row events: FULL, MINIMAL or NOBLOB.",
    ),
    (
        "binlog_row_metadata",
        "Table metadata in Table_map events: MINIMAL or FULL.",
    ),
    (
        "character_set_server",
        "Default character set of new databases.",
    ),
    ("collation_server", "Default collation of new databases."),
    (
        "innodb_lock_wait_timeout",
        "Seconds a transaction waits for a row lock before error 1205.",
    ),
    (
        "long_query_time",
        "Seconds after which a query counts as slow.",
    ),
    ("max_connections", "Most client connections at once."),
    (
        "max_execution_time",
        "Milliseconds a SELECT may run before it is interrupted (0: no limit).",
    ),
    (
        "require_secure_transport",
        "Refuse client connections without TLS.",
    ),
    ("sql_mode", "SQL modes of new sessions."),
    ("time_zone", "Time zone of new sessions."),
];

/// One row of DescribeDBClusterParameters.
#[derive(Clone, Debug)]
pub struct ParamView {
    pub name: &'static str,
    pub description: &'static str,
    /// The group's value, if it sets one.
    pub value: Option<String>,
    /// `user` when the group sets it, else `engine-default`.
    pub source: &'static str,
    pub apply_type: &'static str,
    pub data_type: &'static str,
    pub allowed_values: String,
    pub apply_method: &'static str,
}

/// One change of ModifyDBClusterParameterGroup.
#[derive(Clone, Debug, Default)]
pub struct ParamChange {
    pub name: String,
    pub value: String,
    pub apply_method: String,
}

pub fn group_not_found(name: &str) -> ApiError {
    ApiError::new(
        404,
        "DBParameterGroupNotFound",
        format!("DBClusterParameterGroup not found: {name}"),
    )
}

fn group_state(message: String) -> ApiError {
    ApiError::new(400, "InvalidDBParameterGroupState", message)
}

/// The text a startup option or a parameter group gives, as the value `SET GLOBAL` takes
/// (numbers for numeric variables).
fn set_value(kind: VarKind, text: &str) -> SetValue {
    let t = text.trim();
    if matches!(
        kind,
        VarKind::Int { .. } | VarKind::UInt { .. } | VarKind::Double { .. }
    ) {
        if let Ok(i) = t.parse::<i64>() {
            return SetValue::Int(i);
        }
        if let Ok(u) = t.parse::<u64>() {
            return SetValue::UInt(u);
        }
        if let Ok(x) = t.parse::<f64>() {
            return SetValue::Double(x);
        }
    }
    SetValue::Str(t.to_string())
}

fn describe(name: &'static str, description: &'static str, value: Option<&String>) -> ParamView {
    let def = vars::lookup(name);
    let kind = def.map_or(VarKind::Str { nullable: false }, |d| d.kind);
    let (data_type, allowed_values) = match kind {
        VarKind::Bool => ("boolean", "0,1".to_string()),
        VarKind::Int { min, max } => ("integer", format!("{min}-{max}")),
        VarKind::UInt { min, max } => ("integer", format!("{min}-{max}")),
        VarKind::Double { min, max } => ("float", format!("{min}-{max}")),
        VarKind::Enum(names) => ("string", names.join(",")),
        VarKind::SqlMode => ("list", vars::SQL_MODE_NAMES.join(",")),
        _ => ("string", String::new()),
    };
    ParamView {
        name,
        description,
        value: value.cloned(),
        source: if value.is_some() {
            "user"
        } else {
            "engine-default"
        },
        apply_type: "dynamic",
        data_type,
        allowed_values,
        apply_method: "immediate",
    }
}

impl Fleet {
    /// The group `name` (the default group has no record), or DBParameterGroupNotFound.
    pub(super) fn param_group(st: &State, name: &str) -> Result<ParamGroupMeta, ApiError> {
        let key = name.to_ascii_lowercase();
        if key == DEFAULT_GROUP {
            return Ok(ParamGroupMeta {
                name: DEFAULT_GROUP.into(),
                family: FAMILY.into(),
                description: "Default cluster parameter group for aurora-mysql8.0".into(),
                params: BTreeMap::new(),
            });
        }
        st.reg
            .param_groups
            .get(&key)
            .cloned()
            .ok_or_else(|| group_not_found(name))
    }

    /// The group a new cluster names (empty: the default), checked to exist.
    pub(super) fn check_param_group(st: &State, name: &str) -> Result<String, ApiError> {
        if name.is_empty() {
            return Ok(String::new());
        }
        let g = Self::param_group(st, name)?;
        Ok(if g.name == DEFAULT_GROUP {
            String::new()
        } else {
            g.name
        })
    }

    /// Applies group `group`'s values to an engine (at open, and when a cluster changes
    /// group: `previous` names what the old group set, reset to the defaults first).
    pub(super) fn apply_params(
        inst: &Instance,
        group: &BTreeMap<String, String>,
        previous: &BTreeMap<String, String>,
    ) {
        for name in previous.keys().filter(|n| !group.contains_key(*n)) {
            if let Err(e) = inst.globals.set(name, SetValue::Default) {
                tracing::warn!(parameter = %name, error = %e.message(), "parameter not reset");
            }
        }
        for (name, value) in group {
            let Some(d) = vars::lookup(name) else {
                continue;
            };
            if let Err(e) = inst.globals.set(name, set_value(d.kind, value)) {
                tracing::warn!(parameter = %name, error = %e.message(), "parameter not applied");
            }
        }
    }

    /// CreateDBClusterParameterGroup.
    pub fn create_param_group(
        &self,
        name: &str,
        family: &str,
        description: &str,
    ) -> Result<ParamGroupMeta, ApiError> {
        let name = check_snapshot_identifier("DBClusterParameterGroupName", name)?;
        if family != FAMILY {
            return Err(ApiError::invalid(format!(
                "Invalid DBParameterGroupFamily {family}: Borealis serves {FAMILY}."
            )));
        }
        if description.is_empty() {
            return Err(ApiError::invalid(
                "The parameter Description must be provided.",
            ));
        }
        let mut st = self.lock();
        if name == DEFAULT_GROUP || st.reg.param_groups.contains_key(&name) {
            return Err(ApiError::new(
                400,
                "DBParameterGroupAlreadyExists",
                format!("Parameter group {name} already exists"),
            ));
        }
        let g = ParamGroupMeta {
            name: name.clone(),
            family: family.into(),
            description: description.into(),
            params: BTreeMap::new(),
        };
        st.reg.param_groups.insert(name, g.clone());
        self.save(&st)?;
        Ok(g)
    }

    /// DescribeDBClusterParameterGroups: the default group, then the others by name.
    pub fn describe_param_groups(
        &self,
        name: Option<&str>,
    ) -> Result<Vec<ParamGroupMeta>, ApiError> {
        let st = self.lock();
        match name {
            Some(n) => Ok(vec![Self::param_group(&st, n)?]),
            None => {
                let mut v = vec![Self::param_group(&st, DEFAULT_GROUP)?];
                v.extend(st.reg.param_groups.values().cloned());
                Ok(v)
            }
        }
    }

    /// DescribeDBClusterParameters (`source`: user, engine-default or system).
    pub fn describe_params(
        &self,
        name: &str,
        source: Option<&str>,
    ) -> Result<Vec<ParamView>, ApiError> {
        if let Some(s) = source {
            if !["user", "engine-default", "system"].contains(&s) {
                return Err(ApiError::invalid(format!(
                    "Invalid Source {s}: use user, engine-default or system."
                )));
            }
        }
        let st = self.lock();
        let g = Self::param_group(&st, name)?;
        Ok(PARAMETERS
            .iter()
            .map(|(n, d)| describe(n, d, g.params.get(*n)))
            .filter(|p| source.is_none_or(|s| p.source == s))
            .collect())
    }

    /// ModifyDBClusterParameterGroup: every change is checked before any is stored; the
    /// `immediate` ones apply at once to every cluster using the group.
    pub fn modify_param_group(
        &self,
        name: &str,
        changes: &[ParamChange],
    ) -> Result<String, ApiError> {
        if changes.is_empty() {
            return Err(ApiError::invalid(
                "The parameter Parameters must be provided.",
            ));
        }
        if changes.len() > 20 {
            return Err(ApiError::invalid(
                "At most 20 parameters can be modified in one request.",
            ));
        }
        let mut scratch = GlobalVars::new(self.opts.info.clone());
        let mut checked = Vec::new();
        for c in changes {
            let pname = c.name.to_ascii_lowercase();
            let Some((known, _)) = PARAMETERS.iter().find(|(n, _)| *n == pname) else {
                return Err(ApiError::invalid(format!(
                    "Could not find parameter with name: {}",
                    c.name
                )));
            };
            match c.apply_method.as_str() {
                "immediate" | "pending-reboot" => {}
                "" => {
                    return Err(ApiError::invalid(format!(
                        "ApplyMethod must be provided for parameter {known}: immediate or \
                         pending-reboot."
                    )))
                }
                other => {
                    return Err(ApiError::invalid(format!(
                        "Invalid ApplyMethod {other} for parameter {known}: use immediate or \
                         pending-reboot."
                    )))
                }
            }
            match scratch.set_startup(known, &c.value) {
                Ok(None) => {}
                Ok(Some(_)) | Err(_) => {
                    return Err(ApiError::invalid(format!(
                        "Value: {} is not a valid value for parameter: {known}",
                        c.value
                    )))
                }
            }
            checked.push((
                *known,
                c.value.trim().to_string(),
                c.apply_method == "immediate",
            ));
        }
        let mut st = self.lock();
        let mut g = Self::param_group(&st, name)?;
        if g.name == DEFAULT_GROUP {
            return Err(group_state(
                "Default parameter groups cannot be modified: create one \
                 (create-db-cluster-parameter-group) and give it to the cluster \
                 (modify-db-cluster --db-cluster-parameter-group-name)."
                    .to_string(),
            ));
        }
        let mut immediate = BTreeMap::new();
        for (n, v, now) in &checked {
            g.params.insert((*n).to_string(), v.clone());
            if *now {
                immediate.insert((*n).to_string(), v.clone());
            }
        }
        let users: Vec<String> = st
            .reg
            .clusters
            .values()
            .filter(|c| c.parameter_group == g.name)
            .map(|c| c.id.clone())
            .collect();
        for c in &users {
            if let Some(e) = st.engines.get(c) {
                Self::apply_params(e, &immediate, &BTreeMap::new());
            }
            if immediate.len() < checked.len() {
                st.pending_reboot.insert(c.clone());
            }
        }
        st.reg.param_groups.insert(g.name.clone(), g.clone());
        self.save(&st)?;
        Ok(g.name)
    }

    /// ResetDBClusterParameterGroup: the named parameters (or all) go back to the engine
    /// defaults, at once on every cluster using the group.
    pub fn reset_param_group(
        &self,
        name: &str,
        all: bool,
        names: &[String],
    ) -> Result<String, ApiError> {
        if all != names.is_empty() {
            return Err(ApiError::new(
                400,
                "InvalidParameterCombination",
                "Specify either ResetAllParameters or a list of Parameters, not both and not \
                 neither.",
            ));
        }
        let mut st = self.lock();
        let mut g = Self::param_group(&st, name)?;
        if g.name == DEFAULT_GROUP {
            return Err(group_state(
                "Default parameter groups cannot be modified.".into(),
            ));
        }
        let mut reset = BTreeMap::new();
        if all {
            reset = std::mem::take(&mut g.params);
        } else {
            for n in names {
                let n = n.to_ascii_lowercase();
                if !PARAMETERS.iter().any(|(p, _)| *p == n) {
                    return Err(ApiError::invalid(format!(
                        "Could not find parameter with name: {n}"
                    )));
                }
                if let Some(v) = g.params.remove(&n) {
                    reset.insert(n, v);
                }
            }
        }
        for c in st.reg.clusters.values() {
            if c.parameter_group == g.name {
                if let Some(e) = st.engines.get(&c.id) {
                    Self::apply_params(e, &BTreeMap::new(), &reset);
                }
            }
        }
        st.reg.param_groups.insert(g.name.clone(), g.clone());
        self.save(&st)?;
        Ok(g.name)
    }

    /// DeleteDBClusterParameterGroup: not the default, not while a cluster uses it.
    pub fn delete_param_group(&self, name: &str) -> Result<(), ApiError> {
        let mut st = self.lock();
        let g = Self::param_group(&st, name)?;
        if g.name == DEFAULT_GROUP {
            return Err(group_state(
                "Default parameter groups cannot be deleted.".into(),
            ));
        }
        if let Some(c) = st
            .reg
            .clusters
            .values()
            .find(|c| c.parameter_group == g.name)
        {
            return Err(group_state(format!(
                "Parameter group {} is in use by DB cluster {}: give the cluster another \
                 group first.",
                g.name, c.id
            )));
        }
        st.reg.param_groups.remove(&g.name);
        catalog::drop_tags(&mut st, "cluster-pg", &g.name);
        self.save(&st)
    }

    /// Gives cluster `meta` group `group` (ModifyDBCluster): the new group's values apply
    /// at once; what only the old one set goes back to the defaults.
    pub(super) fn switch_param_group(
        &self,
        st: &mut State,
        meta: &mut ClusterMeta,
        group: &str,
    ) -> Result<(), ApiError> {
        let new = Self::check_param_group(st, group)?;
        let old_params = Self::param_group(
            st,
            if meta.parameter_group.is_empty() {
                DEFAULT_GROUP
            } else {
                &meta.parameter_group
            },
        )
        .map(|g| g.params)
        .unwrap_or_default();
        let new_params =
            Self::param_group(st, if new.is_empty() { DEFAULT_GROUP } else { &new })?.params;
        let e = self
            .engine(st, &meta.id, None)
            .map_err(ApiError::internal)?;
        Self::apply_params(&e, &new_params, &old_params);
        meta.parameter_group = new;
        st.reg.event(
            "db-cluster",
            &meta.id,
            "configuration change",
            format!(
                "DB cluster parameter group changed to {}",
                if meta.parameter_group.is_empty() {
                    DEFAULT_GROUP
                } else {
                    &meta.parameter_group
                }
            ),
        );
        Ok(())
    }
}
