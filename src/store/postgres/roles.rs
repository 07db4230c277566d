//! Roles of admin accounts.

use super::db::{Tx, col, exec, opt};
use crate::domain::Role;
use crate::store::{StoreResult, role_of};

pub async fn admin_role(tx: &Tx<'_>, admin_id: i64) -> StoreResult<Option<Role>> {
    opt(
        tx,
        "SELECT role FROM admins WHERE id = $1",
        &[&admin_id],
        "reading an account's role",
    )
    .await?
    .map(|r| col::<String>(&r, 0).map(|role| role_of(&role)))
    .transpose()
}

pub async fn admin_set_role(tx: &Tx<'_>, admin_id: i64, role: Role) -> StoreResult<Option<Role>> {
    // Locks the row so that two changes at once each see the role the other left.
    let before = opt(
        tx,
        "SELECT role FROM admins WHERE id = $1 FOR UPDATE",
        &[&admin_id],
        "reading an account's role",
    )
    .await?
    .map(|r| col::<String>(&r, 0).map(|role| role_of(&role)))
    .transpose()?;
    if before.is_some() {
        exec(
            tx,
            "UPDATE admins SET role = $2 WHERE id = $1",
            &[&admin_id, &role.as_str()],
            "setting an account's role",
        )
        .await?;
    }
    Ok(before)
}
