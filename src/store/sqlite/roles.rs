//! Roles of admin accounts.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use crate::domain::Role;
use crate::store::{StoreResult, role_of};

pub fn admin_role(conn: &Connection, admin_id: i64) -> StoreResult<Option<Role>> {
    let role: Option<String> = conn
        .prepare_cached("SELECT role FROM admins WHERE id = ?1")
        .and_then(|mut st| st.query_row([admin_id], |r| r.get(0)).optional())
        .sql("reading an account's role")?;
    Ok(role.as_deref().map(role_of))
}

pub fn admin_set_role(conn: &Connection, admin_id: i64, role: Role) -> StoreResult<Option<Role>> {
    let before = admin_role(conn, admin_id)?;
    if before.is_some() {
        conn.prepare_cached("UPDATE admins SET role = ?2 WHERE id = ?1")
            .and_then(|mut st| st.execute(params![admin_id, role.as_str()]))
            .sql("setting an account's role")?;
    }
    Ok(before)
}
