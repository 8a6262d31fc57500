//! AWS RAM (Resource Access Manager) on the API's endpoint, as `aws ram …
//! --endpoint-url http://127.0.0.1:PORT` and boto3 call it: RAM's REST-JSON protocol, one
//! path per action (`POST /createresourceshare` with a JSON body, `DELETE
//! /deleteresourceshare?resourceShareArn=…`), signed with SigV4 for service `ram`; errors
//! are JSON `{"__type": CODE, "message": …}` with RAM's HTTP status.
//!
//! What it is for is Aurora's cross-account clone: the owner of a cluster shares it with
//! another account (CreateResourceShare naming the cluster's ARN and the account ID), the
//! other account accepts the invitation (GetResourceShareInvitations,
//! AcceptResourceShareInvitation), then restores a copy-on-write clone of it by its ARN
//! (`crate::api`, [`shared_with`]); the clone is its own. Only DB clusters
//! (`rds:Cluster`) can be shared, with account IDs (there are no organizations).
//!
//! Actions: CreateResourceShare, GetResourceShares, GetResourceShareInvitations,
//! AcceptResourceShareInvitation, RejectResourceShareInvitation, ListResources,
//! DisassociateResourceShare, DeleteResourceShare. Shares live in the registry
//! ([`crate::registry::ShareMeta`]).

use borealis_engine::storage::now_us;
use borealis_engine::value::json::{self, Json};

use crate::api::{rds_arn, Caller};
use crate::fleet::{uuid, ApiError, Fleet};
use crate::registry::{InviteMeta, ShareMeta};

/// The paths of RAM's actions (any path but `/` that is a lower-case word: an unknown one
/// is answered as RAM answers it).
pub fn is_ram_path(path: &str) -> bool {
    path.len() > 1 && path[1..].bytes().all(|b| b.is_ascii_lowercase())
}

/// A RAM error as the SDKs parse REST-JSON errors.
pub fn error_json(e: &ApiError) -> (u16, String) {
    let body = Json::object(vec![
        ("__type".into(), Json::String(e.code.into())),
        ("message".into(), Json::String(e.message.clone())),
    ]);
    (e.status, body.to_text())
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterException", msg)
}

fn unknown_share(arn: &str) -> ApiError {
    ApiError::new(
        400,
        "UnknownResourceException",
        format!("ResourceShare {arn} could not be found."),
    )
}

fn invitation_not_found(arn: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceShareInvitationArnNotFoundException",
        format!("ResourceShareInvitation {arn} could not be found."),
    )
}

/// Whether cluster `name` of account `owner` is in an active share whose invitation
/// `account` accepted.
pub fn shared_with(fleet: &Fleet, owner: &str, name: &str, account: &str) -> bool {
    fleet.read_shares(|shares| {
        shares.values().any(|sh| {
            sh.status == "ACTIVE"
                && sh.owner == owner
                && sh.resources.iter().any(|r| {
                    rds_arn(r).is_some_and(|(a, k, n)| {
                        a == owner && k == "cluster" && n.eq_ignore_ascii_case(name)
                    })
                })
                && sh
                    .invites
                    .iter()
                    .any(|i| i.account == account && i.status == "ACCEPTED")
        })
    })
}

/// A request's JSON members.
struct Body(Json);

impl Body {
    fn str(&self, k: &str) -> Result<Option<String>, ApiError> {
        match self.0.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(format!("{k} must be a string."))),
        }
    }
    fn required(&self, k: &str) -> Result<String, ApiError> {
        self.str(k)?.filter(|s| !s.is_empty()).ok_or_else(|| {
            ApiError::new(
                400,
                "MissingRequiredParameterException",
                format!("The request is missing the required parameter {k}."),
            )
        })
    }
    fn list(&self, k: &str) -> Result<Vec<String>, ApiError> {
        match self.0.get(k) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(Json::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Json::String(s) => Ok(s.clone()),
                    _ => Err(invalid(format!("{k} must be a list of strings."))),
                })
                .collect(),
            Some(_) => Err(invalid(format!("{k} must be a list of strings."))),
        }
    }
    fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(format!("{k} must be true or false."))),
        }
    }
    fn max_results(&self) -> Result<Option<usize>, ApiError> {
        match self.0.get("maxResults") {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Int(n)) if (1..=500).contains(n) => Ok(Some(*n as usize)),
            Some(Json::UInt(n)) if (1..=500).contains(n) => Ok(Some(*n as usize)),
            Some(_) => Err(ApiError::new(
                400,
                "InvalidMaxResultsException",
                "maxResults must be from 1 to 500.",
            )),
        }
    }
    /// Refuses members Borealis does not act on (none is accepted and ignored).
    fn refuse(&self, names: &[&str]) -> Result<(), ApiError> {
        for n in names {
            if !matches!(self.0.get(n), None | Some(Json::Null)) {
                return Err(invalid(format!(
                    "Borealis does not support {n} in RAM requests."
                )));
            }
        }
        Ok(())
    }
}

fn s(v: &str) -> Json {
    Json::String(v.to_string())
}

/// A time as RAM's JSON gives it: seconds since the epoch.
fn time(us: u64) -> Json {
    Json::UInt(us / 1_000_000)
}

fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn share_json(sh: &ShareMeta) -> Json {
    obj(vec![
        ("resourceShareArn", s(&sh.arn)),
        ("name", s(&sh.name)),
        ("owningAccountId", s(&sh.owner)),
        ("allowExternalPrincipals", Json::Bool(sh.allow_external)),
        ("status", s(&sh.status)),
        ("creationTime", time(sh.created_us)),
        ("lastUpdatedTime", time(sh.updated_us)),
        ("featureSet", s("STANDARD")),
    ])
}

fn invitation_json(sh: &ShareMeta, i: &InviteMeta) -> Json {
    obj(vec![
        ("resourceShareInvitationArn", s(&i.arn)),
        ("resourceShareName", s(&sh.name)),
        ("resourceShareArn", s(&sh.arn)),
        ("senderAccountId", s(&sh.owner)),
        ("receiverAccountId", s(&i.account)),
        ("invitationTimestamp", time(i.created_us)),
        ("status", s(&i.status)),
    ])
}

/// One page of `items` from `nextToken` (an offset this server gave), `maxResults` long.
fn page(items: Vec<Json>, body: &Body, key: &str) -> Result<Vec<(&'static str, Json)>, ApiError> {
    let start = match body.str("nextToken")? {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&n| n <= items.len())
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "InvalidNextTokenException",
                    "The nextToken is not one this server gave.",
                )
            })?,
    };
    let n = body.max_results()?.unwrap_or(usize::MAX);
    let end = start.saturating_add(n).min(items.len());
    let more = end < items.len();
    let list: Vec<Json> = items.into_iter().skip(start).take(end - start).collect();
    let key: &'static str = match key {
        "resourceShares" => "resourceShares",
        "resourceShareInvitations" => "resourceShareInvitations",
        _ => "resources",
    };
    let mut out = vec![(key, Json::Array(list))];
    if more {
        out.push(("nextToken", s(&end.to_string())));
    }
    Ok(out)
}

/// Answers one RAM request of `caller` (already authenticated).
pub fn handle(
    fleet: &Fleet,
    caller: &Caller,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> (u16, String) {
    match run(fleet, caller, method, path, query, body) {
        Ok(j) => (200, j.to_text()),
        Err(e) => {
            tracing::info!(path, code = e.code, "{}", e.message);
            error_json(&e)
        }
    }
}

fn run(
    fleet: &Fleet,
    caller: &Caller,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> Result<Json, ApiError> {
    let op = &path[1..];
    let want = if op == "deleteresourceshare" {
        "DELETE"
    } else {
        "POST"
    };
    const OPS: &[&str] = &[
        "createresourceshare",
        "getresourceshares",
        "getresourceshareinvitations",
        "acceptresourceshareinvitation",
        "rejectresourceshareinvitation",
        "listresources",
        "disassociateresourceshare",
        "deleteresourceshare",
    ];
    if !OPS.contains(&op) || method != want {
        return Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!(
                "{method} {path} is not an action Borealis's RAM answers (it answers \
                 CreateResourceShare, GetResourceShares, GetResourceShareInvitations, \
                 AcceptResourceShareInvitation, RejectResourceShareInvitation, \
                 ListResources, DisassociateResourceShare and DeleteResourceShare)."
            ),
        ));
    }
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        Body(Json::Object(Vec::new()))
    } else {
        let j = json::parse(body, json::Parse::Text).map_err(|e| {
            ApiError::new(
                400,
                "SerializationException",
                format!("The request body is not JSON: {} at byte {}.", e.msg, e.pos),
            )
        })?;
        if !matches!(j, Json::Object(_)) {
            return Err(ApiError::new(
                400,
                "SerializationException",
                "The request body must be a JSON object.",
            ));
        }
        Body(j)
    };
    let me = caller.account.as_str();
    let now = now_us();
    match op {
        "createresourceshare" => {
            body.refuse(&[
                "tags",
                "permissionArns",
                "sources",
                "resourceShareConfiguration",
            ])?;
            let name = body.required("name")?;
            let resources = body.list("resourceArns")?;
            let principals = body.list("principals")?;
            let allow_external = body.bool("allowExternalPrincipals")?.unwrap_or(true);
            let token = body.str("clientToken")?.unwrap_or_default();
            for arn in &resources {
                let Some((account, kind, cluster)) = rds_arn(arn) else {
                    return Err(ApiError::new(
                        400,
                        "MalformedArnException",
                        format!("The ARN {arn} is malformed (Borealis shares DB clusters: arn:aws:rds:REGION:ACCOUNT:cluster:NAME)."),
                    ));
                };
                if kind != "cluster" {
                    return Err(invalid(format!(
                        "{arn}: Borealis shares DB clusters only (resource type rds:Cluster)."
                    )));
                }
                let exists = fleet.describe_clusters(Some(cluster)).is_ok();
                if account != me || !exists || !caller.owns(fleet, "cluster", cluster) {
                    return Err(ApiError::new(
                        400,
                        "UnknownResourceException",
                        format!("The resource {arn} does not exist or is not yours to share."),
                    ));
                }
            }
            for p in &principals {
                if !crate::accounts::is_account_id(p) {
                    return Err(invalid(format!(
                        "Principal {p} is not an AWS account ID (Borealis shares with accounts \
                         only: 12 digits)."
                    )));
                }
                if p == me {
                    return Err(invalid(format!(
                        "Principal {p} is the resource share's own account."
                    )));
                }
            }
            if !allow_external && !principals.is_empty() {
                return Err(ApiError::new(
                    400,
                    "OperationNotPermittedException",
                    "allowExternalPrincipals is false, and Borealis has no organizations: \
                     every account is external.",
                ));
            }
            let region = &caller.region;
            fleet.change_shares(|shares| {
                if !token.is_empty() {
                    if let Some(sh) = shares
                        .values()
                        .find(|sh| sh.owner == me && sh.client_token == token)
                    {
                        if sh.name != name {
                            return Err(ApiError::new(
                                400,
                                "IdempotentParameterMismatchException",
                                "clientToken was used for another resource share.",
                            ));
                        }
                        return Ok(share_reply(sh, &token));
                    }
                }
                let mut principals = principals.clone();
                principals.dedup();
                let sh = ShareMeta {
                    arn: format!("arn:aws:ram:{region}:{me}:resource-share/{}", uuid()),
                    name: name.clone(),
                    owner: me.to_string(),
                    status: "ACTIVE".into(),
                    allow_external,
                    client_token: token.clone(),
                    created_us: now,
                    updated_us: now,
                    resources: resources.clone(),
                    invites: principals
                        .iter()
                        .map(|p| InviteMeta {
                            account: p.clone(),
                            arn: format!(
                                "arn:aws:ram:{region}:{me}:resource-share-invitation/{}",
                                uuid()
                            ),
                            status: "PENDING".into(),
                            created_us: now,
                        })
                        .collect(),
                };
                let reply = share_reply(&sh, &token);
                tracing::info!(share = %sh.arn, owner = me, "resource share created");
                shares.insert(sh.arn.clone(), sh);
                Ok(reply)
            })
        }
        "getresourceshares" => {
            body.refuse(&["tagFilters", "permissionArn", "permissionVersion"])?;
            let owner = resource_owner(&body)?;
            let arns = body.list("resourceShareArns")?;
            let status = body.str("resourceShareStatus")?;
            let name = body.str("name")?;
            let items = fleet.read_shares(|shares| {
                shares
                    .values()
                    .filter(|sh| visible(sh, me, owner))
                    .filter(|sh| arns.is_empty() || arns.contains(&sh.arn))
                    .filter(|sh| status.as_ref().is_none_or(|st| &sh.status == st))
                    .filter(|sh| name.as_ref().is_none_or(|n| &sh.name == n))
                    .map(share_json)
                    .collect()
            });
            Ok(obj(page(items, &body, "resourceShares")?))
        }
        "getresourceshareinvitations" => {
            let inv_arns = body.list("resourceShareInvitationArns")?;
            let share_arns = body.list("resourceShareArns")?;
            let mine: Vec<(String, Json)> = fleet.read_shares(|shares| {
                shares
                    .values()
                    .filter(|sh| sh.status == "ACTIVE")
                    .filter(|sh| share_arns.is_empty() || share_arns.contains(&sh.arn))
                    .flat_map(|sh| {
                        sh.invites
                            .iter()
                            .filter(|i| i.account == me)
                            .map(|i| (i.arn.clone(), invitation_json(sh, i)))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            });
            for a in &inv_arns {
                if !mine.iter().any(|(arn, _)| arn == a) {
                    return Err(invitation_not_found(a));
                }
            }
            let items = mine
                .into_iter()
                .filter(|(arn, _)| inv_arns.is_empty() || inv_arns.contains(arn))
                .map(|(_, j)| j)
                .collect();
            Ok(obj(page(items, &body, "resourceShareInvitations")?))
        }
        "acceptresourceshareinvitation" | "rejectresourceshareinvitation" => {
            let arn = body.required("resourceShareInvitationArn")?;
            let token = body.str("clientToken")?;
            let to = if op == "acceptresourceshareinvitation" {
                "ACCEPTED"
            } else {
                "REJECTED"
            };
            let j = fleet.change_shares(|shares| {
                let Some(sh) = shares
                    .values_mut()
                    .find(|sh| sh.status == "ACTIVE" && sh.invites.iter().any(|i| i.arn == arn))
                else {
                    return Err(invitation_not_found(&arn));
                };
                let Some(i) = sh
                    .invites
                    .iter_mut()
                    .find(|i| i.arn == arn && i.account == me)
                else {
                    return Err(invitation_not_found(&arn));
                };
                match (i.status.as_str(), to) {
                    ("PENDING", _) => {}
                    // A retry with its client token.
                    (st, _) if st == to && token.is_some() => {}
                    ("ACCEPTED", _) => {
                        return Err(ApiError::new(
                            400,
                            "ResourceShareInvitationAlreadyAcceptedException",
                            format!("The invitation {arn} is already accepted."),
                        ))
                    }
                    _ => {
                        return Err(ApiError::new(
                            400,
                            "ResourceShareInvitationAlreadyRejectedException",
                            format!("The invitation {arn} is already rejected."),
                        ))
                    }
                }
                i.status = to.to_string();
                let i = i.clone();
                sh.updated_us = now;
                tracing::info!(invitation = %arn, account = me, status = to, "resource share invitation answered");
                Ok(invitation_json(sh, &i))
            })?;
            let mut out = vec![("resourceShareInvitation", j)];
            if let Some(t) = token {
                out.push(("clientToken", s(&t)));
            }
            Ok(obj(out))
        }
        "listresources" => {
            let owner = resource_owner(&body)?;
            let principal = body.str("principal")?;
            if principal.is_some() && owner == Owner::Others {
                return Err(invalid("principal applies to resourceOwner SELF only."));
            }
            let rtype = body.str("resourceType")?;
            let arns = body.list("resourceArns")?;
            let share_arns = body.list("resourceShareArns")?;
            let scope = body.str("resourceRegionScope")?;
            match scope.as_deref() {
                None | Some("ALL" | "REGIONAL" | "GLOBAL") => {}
                Some(o) => {
                    return Err(invalid(format!(
                        "resourceRegionScope {o} is not ALL, REGIONAL or GLOBAL."
                    )))
                }
            }
            let listed: Vec<(String, String, u64, u64)> = fleet.read_shares(|shares| {
                shares
                    .values()
                    .filter(|sh| sh.status == "ACTIVE" && visible(sh, me, owner))
                    .filter(|sh| share_arns.is_empty() || share_arns.contains(&sh.arn))
                    .filter(|sh| {
                        principal
                            .as_ref()
                            .is_none_or(|p| sh.invites.iter().any(|i| &i.account == p))
                    })
                    .flat_map(|sh| {
                        sh.resources
                            .iter()
                            .map(|r| (r.clone(), sh.arn.clone(), sh.created_us, sh.updated_us))
                            .collect::<Vec<_>>()
                    })
                    .filter(|(r, ..)| arns.is_empty() || arns.contains(r))
                    .collect()
            });
            let type_ok = rtype.as_deref().is_none_or(|t| t == "rds:Cluster");
            let items = listed
                .into_iter()
                .filter(|_| type_ok && scope.as_deref() != Some("GLOBAL"))
                .map(|(arn, share, created, updated)| {
                    // Still there and still its owner's: AVAILABLE.
                    let live = rds_arn(&arn).is_some_and(|(a, _, n)| {
                        fleet.describe_clusters(Some(n)).is_ok()
                            && fleet
                                .owner("cluster", n)
                                .as_deref()
                                .unwrap_or(&caller.default_account)
                                == a
                    });
                    obj(vec![
                        ("arn", s(&arn)),
                        ("type", s("rds:Cluster")),
                        ("resourceShareArn", s(&share)),
                        ("status", s(if live { "AVAILABLE" } else { "UNAVAILABLE" })),
                        ("creationTime", time(created)),
                        ("lastUpdatedTime", time(updated)),
                        ("resourceRegionScope", s("REGIONAL")),
                    ])
                })
                .collect();
            Ok(obj(page(items, &body, "resources")?))
        }
        "disassociateresourceshare" => {
            body.refuse(&["sources"])?;
            let arn = body.required("resourceShareArn")?;
            let resources = body.list("resourceArns")?;
            let principals = body.list("principals")?;
            let token = body.str("clientToken")?;
            let list = fleet.change_shares(|shares| {
                let sh = shares
                    .get_mut(&arn)
                    .filter(|sh| sh.owner == me)
                    .ok_or_else(|| unknown_share(&arn))?;
                if sh.status != "ACTIVE" {
                    return Err(ApiError::new(
                        400,
                        "InvalidStateTransitionException",
                        format!("The resource share {arn} is {}.", sh.status),
                    ));
                }
                for r in &resources {
                    if !sh.resources.contains(r) {
                        return Err(invalid(format!("{r} is not associated with {arn}.")));
                    }
                }
                for p in &principals {
                    if !sh.invites.iter().any(|i| &i.account == p) {
                        return Err(invalid(format!("{p} is not associated with {arn}.")));
                    }
                }
                sh.resources.retain(|r| !resources.contains(r));
                sh.invites.retain(|i| !principals.contains(&i.account));
                sh.updated_us = now;
                let assoc = |entity: &str, kind: &str| {
                    obj(vec![
                        ("resourceShareArn", s(&sh.arn)),
                        ("resourceShareName", s(&sh.name)),
                        ("associatedEntity", s(entity)),
                        ("associationType", s(kind)),
                        ("status", s("DISASSOCIATED")),
                        ("creationTime", time(sh.created_us)),
                        ("lastUpdatedTime", time(now)),
                        ("external", Json::Bool(kind == "PRINCIPAL")),
                    ])
                };
                Ok(resources
                    .iter()
                    .map(|r| assoc(r, "RESOURCE"))
                    .chain(principals.iter().map(|p| assoc(p, "PRINCIPAL")))
                    .collect::<Vec<_>>())
            })?;
            let mut out = vec![("resourceShareAssociations", Json::Array(list))];
            if let Some(t) = token {
                out.push(("clientToken", s(&t)));
            }
            Ok(obj(out))
        }
        "deleteresourceshare" => {
            let mut arn = None;
            let mut token = None;
            for kv in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                match crate::sigv4::url_decode(k).as_str() {
                    "resourceShareArn" => arn = Some(crate::sigv4::url_decode(v)),
                    "clientToken" => token = Some(crate::sigv4::url_decode(v)),
                    _ => {}
                }
            }
            let arn = arn.filter(|a| !a.is_empty()).ok_or_else(|| {
                ApiError::new(
                    400,
                    "MissingRequiredParameterException",
                    "The request is missing the required parameter resourceShareArn.",
                )
            })?;
            fleet.change_shares(|shares| {
                let sh = shares
                    .get_mut(&arn)
                    .filter(|sh| sh.owner == me)
                    .ok_or_else(|| unknown_share(&arn))?;
                if sh.status != "ACTIVE" {
                    return Err(ApiError::new(
                        400,
                        "InvalidStateTransitionException",
                        format!("The resource share {arn} is already {}.", sh.status),
                    ));
                }
                sh.status = "DELETED".into();
                sh.updated_us = now;
                tracing::info!(share = %arn, "resource share deleted");
                Ok(())
            })?;
            let mut out = vec![("returnValue", Json::Bool(true))];
            if let Some(t) = token {
                out.push(("clientToken", s(&t)));
            }
            Ok(obj(out))
        }
        _ => Err(ApiError::new(404, "UnknownOperationException", path)),
    }
}

fn share_reply(sh: &ShareMeta, token: &str) -> Json {
    let mut m = vec![("resourceShare", share_json(sh))];
    if !token.is_empty() {
        m.push(("clientToken", s(token)));
    }
    obj(m)
}

/// `resourceOwner`: SELF (shares the caller owns) or OTHER-ACCOUNTS (shares whose
/// invitation it accepted).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Me,
    Others,
}

fn resource_owner(body: &Body) -> Result<Owner, ApiError> {
    match body.required("resourceOwner")?.as_str() {
        "SELF" => Ok(Owner::Me),
        "OTHER-ACCOUNTS" => Ok(Owner::Others),
        o => Err(invalid(format!(
            "resourceOwner {o} is not SELF or OTHER-ACCOUNTS."
        ))),
    }
}

fn visible(sh: &ShareMeta, me: &str, owner: Owner) -> bool {
    match owner {
        Owner::Me => sh.owner == me,
        Owner::Others => {
            sh.status == "ACTIVE"
                && sh
                    .invites
                    .iter()
                    .any(|i| i.account == me && i.status == "ACCEPTED")
        }
    }
}
