//! Importing people from CSV, for the owner: the waitlist's import (validated row by row,
//! audited with its figures), reached from the same place as every other owner action.

use crate::domain::Capability;
use std::io::Read;

use super::actions::{OwnerActionError, OwnerActions};
use crate::waitlist::import::{ImportOptions, ImportSummary};

impl OwnerActions {
    /// Imports `input` into `list`; `progress` hears the rows read so far.
    pub async fn import_csv(
        &self,
        list: &str,
        input: impl Read,
        options: &ImportOptions,
        progress: impl FnMut(u64),
    ) -> Result<ImportSummary, OwnerActionError> {
        self.allow(Capability::Import).await?;
        Ok(self
            .waitlists
            .import_csv(list, input, options, progress)
            .await?)
    }
}
