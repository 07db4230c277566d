//! Reading the audit log, and the records only the running server writes.

use super::actions::{OwnerActionError, OwnerActions};
use crate::domain::Capability;
use crate::privacy::audit::{Actor, AuditEvent};
use crate::store::AuditEntry;

impl OwnerActions {
    /// The audit log, oldest first.
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>, OwnerActionError> {
        self.allow(Capability::ReadAuditLog).await?;
        Ok(self.waitlists.store.audit_log().await?)
    }

    /// Records that the site folder changed and was published again.
    pub async fn site_republished(&self, folder: String) -> Result<(), OwnerActionError> {
        self.audit(&Actor::System, AuditEvent::SiteRepublished { folder })
            .await
    }
}
