//! Confirming an address: a GET shows what the link does, a POST does it.

use super::Waitlists;
use crate::domain::{Token, TokenPurpose};
use crate::privacy::token_hash;
use crate::store::{ConfirmOutcome, Confirmation, StoreError, TokenLookup, now_millis};

/// What the GET of a confirmation link shows.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfirmPage {
    /// Show the one button.
    Ready {
        list: String,
    },
    /// Already confirmed: show the place in line, no button needed.
    AlreadyConfirmed {
        list: String,
        place: Option<u64>,
    },
    Expired {
        list: String,
    },
    Unknown,
}

/// What the POST did.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfirmResult {
    Confirmed {
        list: String,
        place: Option<u64>,
        already: bool,
    },
    Expired {
        list: String,
    },
    Unknown,
}

impl Waitlists {
    pub async fn confirm_page(&self, token: &str) -> Result<ConfirmPage, StoreError> {
        let Ok(token) = Token::parse(token) else {
            return Ok(ConfirmPage::Unknown);
        };
        let lookup = self
            .store
            .peek_token(token_hash(&token), TokenPurpose::Confirm, now_millis())
            .await?;
        Ok(match lookup {
            TokenLookup::Valid {
                subscriber_id,
                list,
                status,
            } if status.has_standing_consent() => ConfirmPage::AlreadyConfirmed {
                list,
                place: self.store.place_in_line(subscriber_id).await?,
            },
            TokenLookup::Valid { list, .. } => ConfirmPage::Ready { list },
            TokenLookup::Expired { list } => ConfirmPage::Expired { list },
            TokenLookup::Unknown => ConfirmPage::Unknown,
        })
    }

    pub async fn confirm(&self, token: &str) -> Result<ConfirmResult, StoreError> {
        let Ok(token) = Token::parse(token) else {
            return Ok(ConfirmResult::Unknown);
        };
        let outcome = self
            .store
            .confirm(Confirmation {
                token_hash: token_hash(&token),
                now: now_millis(),
            })
            .await?;
        Ok(match outcome {
            ConfirmOutcome::Confirmed {
                subscriber_id,
                list,
            } => {
                tracing::info!(list, subscriber = subscriber_id, "confirmed");
                self.mail_wake.notify_one();
                ConfirmResult::Confirmed {
                    place: self.store.place_in_line(subscriber_id).await?,
                    list,
                    already: false,
                }
            }
            ConfirmOutcome::AlreadyConfirmed {
                subscriber_id,
                list,
            } => ConfirmResult::Confirmed {
                place: self.store.place_in_line(subscriber_id).await?,
                list,
                already: true,
            },
            ConfirmOutcome::Expired { list } => ConfirmResult::Expired { list },
            ConfirmOutcome::Unknown => ConfirmResult::Unknown,
        })
    }
}
