//! Confirming an address: a GET shows what the link does, a POST does it.

use super::Waitlists;
use crate::domain::{Token, TokenPurpose};
use crate::store::{ConfirmOutcome, Confirmation, NewToken, StoreError, StoredToken, now_millis};

/// What the GET of a confirmation link shows.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfirmPage {
    /// Show the one button.
    Ready {
        list: String,
        /// The language the person signed up in (`None`: the site's).
        language: Option<String>,
    },
    /// Already confirmed: show the place in line, no button needed.
    AlreadyConfirmed {
        list: String,
        place: Option<u64>,
        language: Option<String>,
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
        /// `/manage/{token}`, when this confirmation made a new manage link.
        manage_path: Option<String>,
        /// The language the person signed up in (`None`: the site's).
        language: Option<String>,
    },
    Expired {
        list: String,
    },
    Unknown,
}

impl Waitlists {
    /// The token row a link names, if the link is genuine and made for `purpose`.
    pub async fn verified_token(
        &self,
        token: &str,
        purpose: TokenPurpose,
    ) -> Result<Option<StoredToken>, StoreError> {
        let Ok(token) = Token::parse(token) else {
            return Ok(None);
        };
        let Some(id) = self.vault.token_id(&token) else {
            return Ok(None);
        };
        let row = if purpose == TokenPurpose::Confirm {
            self.store.confirmation_token(id).await?
        } else {
            self.store.token(id).await?
        };
        let Some(row) = row else {
            return Ok(None);
        };
        // An invitation's one stored token answers to two links: accept and decline.
        let stored = match purpose {
            TokenPurpose::Accept | TokenPurpose::Decline => TokenPurpose::Invite,
            other => other,
        };
        let genuine =
            row.purpose == stored && self.vault.token_matches(&token, purpose, row.id, &row.seed);
        Ok(genuine.then_some(row))
    }

    pub async fn confirm_page(&self, token: &str) -> Result<ConfirmPage, StoreError> {
        let Some(row) = self.verified_token(token, TokenPurpose::Confirm).await? else {
            return Ok(ConfirmPage::Unknown);
        };
        Ok(if row.status.has_standing_consent() {
            ConfirmPage::AlreadyConfirmed {
                place: self.store.place_in_line(row.subscriber_id).await?,
                list: row.list,
                language: row.language,
            }
        } else if now_millis() > row.expires_at {
            ConfirmPage::Expired { list: row.list }
        } else {
            ConfirmPage::Ready {
                list: row.list,
                language: row.language,
            }
        })
    }

    pub async fn confirm(&self, token: &str) -> Result<ConfirmResult, StoreError> {
        let Some(row) = self.verified_token(token, TokenPurpose::Confirm).await? else {
            return Ok(ConfirmResult::Unknown);
        };
        let now = now_millis();
        let language = row.language.clone();
        let manage_token = NewToken {
            seed: rand::random(),
            expires_at: now + self.policy.manage_link_ttl,
        };
        let manage_seed = manage_token.seed;
        let outcome = self
            .store
            .confirm(Confirmation {
                subscriber_id: row.subscriber_id,
                now,
                manage_token,
                referral_boost: self.policy.referral_boost,
            })
            .await?;
        Ok(match outcome {
            ConfirmOutcome::Confirmed {
                subscriber_id,
                list,
                manage_token_id,
            } => {
                tracing::info!(list, subscriber = subscriber_id, "confirmed");
                metrics::counter!(crate::metrics::CONFIRMATIONS, "list" => list.clone())
                    .increment(1);
                self.mail_wake.notify_one();
                let token =
                    self.vault
                        .link_token(TokenPurpose::Manage, manage_token_id, &manage_seed);
                ConfirmResult::Confirmed {
                    place: self.store.place_in_line(subscriber_id).await?,
                    list,
                    already: false,
                    manage_path: Some(format!("/manage/{}", token.as_str())),
                    language,
                }
            }
            ConfirmOutcome::AlreadyConfirmed {
                subscriber_id,
                list,
            } => ConfirmResult::Confirmed {
                place: self.store.place_in_line(subscriber_id).await?,
                list,
                already: true,
                manage_path: None,
                language,
            },
            ConfirmOutcome::Expired { list } => ConfirmResult::Expired { list },
            ConfirmOutcome::Unknown => ConfirmResult::Unknown,
        })
    }
}
