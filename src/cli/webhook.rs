//! `quietlist webhook add/list/remove/deliveries`: the owner's webhooks at the command
//! line, over the same use cases as /admin/webhooks.

use clap::Subcommand;
use secrecy::ExposeSecret;

use super::{Cli, cli_actor, owner_actions};
use crate::admin::webhooks::WebhookRequest;
use crate::domain::{WebhookEvent, WebhookUrl};

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Add a webhook; prints its signing secret once.
    Add {
        /// Where to POST: https://..., or http:// to a loopback address (or with --insecure).
        url: String,
        /// Comma-separated: subscriber.confirmed, subscriber.unsubscribed,
        /// subscriber.erased, invitation.accepted, invitation.declined.
        #[arg(long, required = true)]
        events: String,
        /// Put the person's address in each payload (shown in the admin; each delivery
        /// that carries one is audited).
        #[arg(long)]
        include_email: bool,
        /// Allow a plain-http URL to a host other than loopback (the payload and its
        /// signature travel unencrypted).
        #[arg(long)]
        insecure: bool,
    },
    /// List the webhooks.
    List,
    /// Remove a webhook and its delivery log.
    Remove { id: i64 },
    /// A webhook's last deliveries.
    Deliveries { id: i64 },
}

pub async fn run(cli: &Cli, command: &WebhookCommand) -> anyhow::Result<()> {
    let actions = owner_actions(cli).await?;
    match command {
        WebhookCommand::Add {
            url,
            events,
            include_email,
            insecure,
        } => {
            let request = WebhookRequest {
                url: WebhookUrl::parse(url, *insecure)?,
                events: WebhookEvent::parse_list(events)?,
                include_email: *include_email,
            };
            let added = actions.add_webhook(&cli_actor(), request).await?;
            println!("added webhook {}", added.id);
            println!(
                "signing secret (shown this once; keep it with the receiver): {}",
                added.secret.expose_secret()
            );
            if *include_email {
                println!("payloads include people's addresses; each such delivery is audited");
            }
        }
        WebhookCommand::List => {
            let webhooks = actions.webhooks().await?;
            if webhooks.is_empty() {
                println!("no webhooks");
            }
            for w in webhooks {
                println!(
                    "{}\t{}\t{}\t{}\tqueued {} delivered {} failed {}",
                    w.id,
                    w.url,
                    w.events,
                    if w.include_email {
                        "WITH addresses"
                    } else {
                        "ids only"
                    },
                    w.queued,
                    w.delivered,
                    w.failed
                );
            }
        }
        WebhookCommand::Remove { id } => {
            actions.remove_webhook(&cli_actor(), *id).await?;
            println!("removed webhook {id}");
        }
        WebhookCommand::Deliveries { id } => {
            for d in actions.webhook_deliveries(*id).await? {
                println!(
                    "{}\t{}\t{}\tsubscriber {}\tattempts {}\t{}",
                    d.id,
                    d.event,
                    d.state,
                    d.subscriber_id,
                    d.attempts,
                    d.last_status
                        .map(|s| format!("HTTP {s}"))
                        .or(d.last_error)
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
