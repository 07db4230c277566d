//! `quietlist api-key create|list|revoke`: keys for the owner's programs (`/api/v1`).

use clap::Subcommand;
use secrecy::ExposeSecret;

use crate::admin::OwnerActions;
use crate::admin::api_keys::ApiScope;
use crate::privacy::audit::Actor;
use crate::waitlist::export::timestamp;

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key and print it once (only its hash is kept).
    Create {
        /// What to call it (letters, digits, '-', '_', '.'): shown in lists and the audit log.
        #[arg(long)]
        name: String,
        /// What it may do, comma-separated: lists:read, people:read, people:write,
        /// invites:write, announcements:write, export.
        #[arg(long, required = true)]
        scope: Vec<String>,
    },
    /// List the keys: name, scopes, when and by whom made (`cli` or the admin account),
    /// last used (never the key).
    List,
    /// Revoke a key at once: its next request is refused.
    Revoke { name: String },
}

pub async fn run(
    actions: &OwnerActions,
    actor: &Actor,
    command: &ApiKeyCommand,
) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create { name, scope } => {
            let scopes = ApiScope::parse_list(&scope.join(","))
                .map_err(|e| anyhow::anyhow!("--scope: {e}"))?;
            let made = actions.create_api_key(actor, name, &scopes).await?;
            let scopes: Vec<&str> = made.scopes.iter().map(|s| s.as_str()).collect();
            eprintln!(
                "API key {:?} with scopes {}. It is shown this once; keep it secret:",
                made.name,
                scopes.join(",")
            );
            println!("{}", made.key.expose_secret());
        }
        ApiKeyCommand::List => {
            let keys = actions.api_keys().await?;
            if keys.is_empty() {
                println!("no API keys (make one with `quietlist api-key create`)");
            }
            for key in keys {
                let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
                println!(
                    "{}\t{}\tcreated {} by {}\tlast used {}",
                    key.name,
                    scopes.join(","),
                    timestamp(key.created_at),
                    key.created_by,
                    key.last_used_at
                        .map_or_else(|| "never".to_owned(), timestamp)
                );
            }
        }
        ApiKeyCommand::Revoke { name } => {
            actions.revoke_api_key(actor, name).await?;
            println!("revoked API key {name:?}");
        }
    }
    Ok(())
}
