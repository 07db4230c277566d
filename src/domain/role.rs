//! Roles of admin accounts and what each may do. The use cases ask [`Role::may`] before
//! acting (see `admin::OwnerActions`), so a refusal holds whatever the page shows.

use std::fmt;

/// The role of an admin account. Accounts made before roles existed are owners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// Everything.
    #[default]
    Owner,
    /// Announcements, invitations and the people lists; no export, import, erasure,
    /// unsubscribing, accounts or keys.
    Editor,
    /// Figures only (the dashboard): no address anywhere.
    Viewer,
}

/// Something an admin account may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// The dashboard: counts, charts, cohorts' seats.
    SeeFigures,
    /// The people lists and a person's page: addresses.
    SeePeople,
    /// A new confirmation mail for a person awaiting confirmation.
    ResendConfirmation,
    Unsubscribe,
    Erase,
    Export,
    Import,
    /// Compose, test, schedule, pause, resume, cancel announcements and see their progress.
    Announce,
    /// Invite the next people; set up cohorts.
    Invite,
    /// Read the audit log (it names people by id and shows what was done to them).
    ReadAuditLog,
    /// Add, remove and change admin accounts and their roles.
    ManageAccounts,
    /// Create and revoke API keys and webhooks.
    ManageKeys,
}

impl Capability {
    /// The words of a refusal and of its audit entry: "may not {what}".
    pub fn describe(self) -> &'static str {
        match self {
            Self::SeeFigures => "see the figures",
            Self::SeePeople => "see people's addresses",
            Self::ResendConfirmation => "send a confirmation again",
            Self::Unsubscribe => "unsubscribe people",
            Self::Erase => "erase people",
            Self::Export => "export a list",
            Self::Import => "import addresses",
            Self::Announce => "send or steer announcements",
            Self::Invite => "invite people or set up cohorts",
            Self::ReadAuditLog => "read the audit log",
            Self::ManageAccounts => "manage admin accounts",
            Self::ManageKeys => "manage API keys and webhooks",
        }
    }

    /// A short name for the audit log's subject.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SeeFigures => "figures",
            Self::SeePeople => "people",
            Self::ResendConfirmation => "resend",
            Self::Unsubscribe => "unsubscribe",
            Self::Erase => "erase",
            Self::Export => "export",
            Self::Import => "import",
            Self::Announce => "announce",
            Self::Invite => "invite",
            Self::ReadAuditLog => "audit-log",
            Self::ManageAccounts => "accounts",
            Self::ManageKeys => "keys",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the role must be owner, editor or viewer, not {0:?}")]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Editor, Role::Viewer];

    pub fn parse(input: &str) -> Result<Self, UnknownRole> {
        match input.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Self::Owner),
            "editor" => Ok(Self::Editor),
            "viewer" => Ok(Self::Viewer),
            _ => Err(UnknownRole(input.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
        }
    }

    /// Whether this role may do `what`. Listed per role rather than per capability so
    /// that a new capability is refused to editors and viewers until granted here.
    pub fn may(self, what: Capability) -> bool {
        use Capability::*;
        match self {
            Self::Owner => true,
            Self::Editor => matches!(
                what,
                SeeFigures | SeePeople | ResendConfirmation | Announce | Invite
            ),
            Self::Viewer => matches!(what, SeeFigures),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_their_own_names_and_nothing_else() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse(" Editor "), Ok(Role::Editor));
        assert!(Role::parse("admin").is_err());
        assert!(Role::parse("").is_err());
    }

    #[test]
    fn an_editor_announces_and_invites_but_never_exports_erases_or_imports() {
        use Capability::*;
        for allowed in [SeeFigures, SeePeople, ResendConfirmation, Announce, Invite] {
            assert!(Role::Editor.may(allowed), "{allowed:?}");
        }
        for refused in [
            Unsubscribe,
            Erase,
            Export,
            Import,
            ReadAuditLog,
            ManageAccounts,
            ManageKeys,
        ] {
            assert!(!Role::Editor.may(refused), "{refused:?}");
        }
    }

    #[test]
    fn a_viewer_sees_figures_only() {
        use Capability::*;
        assert!(Role::Viewer.may(SeeFigures));
        for refused in [
            SeePeople,
            ResendConfirmation,
            Unsubscribe,
            Erase,
            Export,
            Import,
            Announce,
            Invite,
            ReadAuditLog,
            ManageAccounts,
            ManageKeys,
        ] {
            assert!(!Role::Viewer.may(refused), "{refused:?}");
        }
    }
}
