//! Roles at work: an account's role is set at the command line and audited, and every
//! owner action asks [`OwnerActions::allow`] before it acts. A refusal is audited too,
//! so an owner can see who tried what.

use super::actions::{OwnerActionError, OwnerActions};
use super::{OwnerError, Owners};
use crate::domain::{Capability, EmailAddress, Role};
use crate::privacy::audit::{self, Actor, AuditEvent};

/// Who is asking, when an action comes from a signed-in account rather than from the
/// command line (whose user holds the data folder, and so everything).
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub role: Role,
}

impl OwnerActions {
    /// The same actions, limited to what `role` may do, refusals recorded under `actor`.
    pub fn acting_as(&self, actor: Actor, role: Role) -> Self {
        let mut limited = self.clone();
        limited.caller = Some(Caller { actor, role });
        limited
    }

    /// The role the actions are limited to (an owner's at the command line).
    pub fn role(&self) -> Role {
        self.caller.as_ref().map_or(Role::Owner, |c| c.role)
    }

    /// Goes on if the caller's role may do `what`; otherwise records the attempt and
    /// refuses.
    pub async fn allow(&self, what: Capability) -> Result<(), OwnerActionError> {
        let Some(caller) = &self.caller else {
            return Ok(());
        };
        if caller.role.may(what) {
            return Ok(());
        }
        audit::record(
            self.waitlists.store.as_ref(),
            &caller.actor,
            AuditEvent::NotAllowed {
                role: caller.role,
                capability: what,
            },
        )
        .await?;
        tracing::warn!(actor = %caller.actor, role = %caller.role, refused = what.as_str(), "an action beyond the account's role was refused");
        Err(OwnerActionError::NotAllowed {
            role: caller.role,
            what,
        })
    }
}

impl Owners {
    /// Changes the role of the account with this address. Audited.
    pub async fn set_role(&self, actor: &Actor, email: &str, role: Role) -> Result<(), OwnerError> {
        let email = EmailAddress::parse(email).map_err(|e| OwnerError::Invalid(e.to_string()))?;
        let owner_id = self.owner_id(self.vault.email_index(&email)).await?;
        self.change_role(actor, owner_id, role, false).await
    }

    /// Sets the role and records it when it changed (always for a new account).
    pub(super) async fn change_role(
        &self,
        actor: &Actor,
        owner_id: i64,
        role: Role,
        new_account: bool,
    ) -> Result<(), OwnerError> {
        let before = self
            .store
            .admin_set_role(owner_id, role)
            .await?
            .ok_or(OwnerError::NoSuchOwner)?;
        if role != Role::Owner {
            // Keys the account made act for an owner: they stop with the owner's role.
            super::api_keys::revoke_keys_made_by(self.store.as_ref(), actor, owner_id).await?;
        }
        if new_account || before != role {
            let from = (!new_account).then_some(before);
            audit::record(
                self.store.as_ref(),
                actor,
                AuditEvent::RoleChanged {
                    owner_id,
                    from,
                    to: role,
                },
            )
            .await?;
        }
        Ok(())
    }
}
