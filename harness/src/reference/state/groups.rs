//! User pool groups. The operations of this group, registered by name in [`HANDLERS`]; the state
//! they work on is the parent module's. Evidence rows cited here are in `aws-behaviour-ops.md`
//! §3 unless noted.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("CreateGroup", |s, i, c| s.create_group(i, c)),
    ("GetGroup", |s, i, _| s.get_group(i)),
    ("UpdateGroup", |s, i, c| s.update_group(i, c)),
    ("ListGroups", |s, i, c| s.list_groups(i, c)),
    ("DeleteGroup", |s, i, _| s.delete_group(i)),
    ("AdminAddUserToGroup", |s, i, _| s.set_membership(i, true)),
    ("AdminRemoveUserFromGroup", |s, i, _| {
        s.set_membership(i, false)
    }),
    ("AdminListGroupsForUser", |s, i, c| {
        s.admin_list_groups_for_user(i, c)
    }),
    ("ListUsersInGroup", |s, i, c| s.list_users_in_group(i, c)),
];

fn group_not_found() -> ApiError {
    // GetGroup "unknown group": the form seen on AdminAddUserToGroup (conf. C here).
    ApiError::new("ResourceNotFoundException", "Group not found.")
}

impl State {
    /// Names are unique regardless of case (CreateGroup "same name with a different case",
    /// conf. B).
    fn create_group(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let name = str_of(input, "GroupName").unwrap_or_default().to_owned();
        if pool
            .groups
            .keys()
            .any(|g| g.to_lowercase() == name.to_lowercase())
        {
            // "Name already in the pool", conf. B (trailing period unknown).
            return Err(ApiError::new(
                "GroupExistsException",
                "A group with the name already exists",
            ));
        }
        let group = Group {
            name: name.clone(),
            description: str_of(input, "Description").map(str::to_owned),
            role_arn: str_of(input, "RoleArn").map(str::to_owned),
            precedence: input.get("Precedence").and_then(Value::as_i64),
            created: ctx.now,
            modified: ctx.now,
            members: BTreeSet::new(),
        };
        let out = json!({"Group": group.to_json(&pool.id)});
        pool.groups.insert(name, group);
        Ok(out)
    }

    fn group_mut(&mut self, input: &Value) -> Result<(&mut Pool, String), ApiError> {
        let name = str_of(input, "GroupName").unwrap_or_default().to_owned();
        let pool = self.pool_mut(input)?;
        if !pool.groups.contains_key(&name) {
            return Err(group_not_found());
        }
        Ok((pool, name))
    }

    fn get_group(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, name) = self.group_mut(input)?;
        Ok(json!({"Group": pool.groups[&name].to_json(&pool.id)}))
    }

    /// Updates the properties given (UpdateGroup: "updates any of the properties for
    /// precedence, IAM role, or description", model).
    fn update_group(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (pool, name) = self.group_mut(input)?;
        let pool_id = pool.id.clone();
        let g = pool.groups.get_mut(&name).ok_or_else(group_not_found)?;
        if let Some(d) = str_of(input, "Description") {
            g.description = Some(d.to_owned());
        }
        if let Some(r) = str_of(input, "RoleArn") {
            g.role_arn = Some(r.to_owned());
        }
        if let Some(p) = input.get("Precedence").and_then(Value::as_i64) {
            g.precedence = Some(p);
        }
        g.modified = ctx.now;
        Ok(json!({"Group": g.to_json(&pool_id)}))
    }

    fn list_groups(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let items = pool
            .groups
            .iter()
            .map(|(k, g)| (k.as_str(), g.to_json(&pool.id)));
        page("Groups", items, &pool.id, input, ctx)
    }

    fn delete_group(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, name) = self.group_mut(input)?;
        pool.groups.remove(&name);
        Ok(empty())
    }

    /// AdminAddUserToGroup / AdminRemoveUserFromGroup: the pool, then the group (`Group not
    /// found.`, conf. A), then the user; adding a member twice or removing a non-member changes
    /// nothing (conf. C).
    fn set_membership(&mut self, input: &Value, member: bool) -> Result<Value, ApiError> {
        let (pool, name) = self.group_mut(input)?;
        let key = pool.key_of(input)?;
        let group = pool.groups.get_mut(&name).ok_or_else(group_not_found)?;
        if member {
            group.members.insert(key);
        } else {
            group.members.remove(&key);
        }
        Ok(empty())
    }

    fn admin_list_groups_for_user(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let key = pool.key_of(input)?;
        let items = pool
            .groups
            .iter()
            .filter(|(_, g)| g.members.contains(&key))
            .map(|(k, g)| (k.as_str(), g.to_json(&pool.id)));
        let scope = format!("{}/groups of {key}", pool.id);
        page("Groups", items, &scope, input, ctx)
    }

    fn list_users_in_group(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (pool, name) = self.group_mut(input)?;
        let group = pool.groups.get(&name).ok_or_else(group_not_found)?;
        let items = group
            .members
            .iter()
            .filter_map(|k| Some((k.as_str(), pool.users.get(k)?.user_type())));
        let scope = format!("{}/users of {name}", pool.id);
        page("Users", items, &scope, input, ctx)
    }
}
