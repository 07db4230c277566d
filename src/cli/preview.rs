//! `quietlist preview PATH`: the secret address of a draft, for its author.

use crate::config::Config;
use crate::startup::{Core, preview_url};

/// Prints the preview address of the draft at `path` (keyed with the data directory's
/// secret key, as the server that serves it is).
pub async fn print_url(config: &Config, path: &str, base_url: &str) -> anyhow::Result<()> {
    let core = Core::open(config).await?;
    let published = core.site.load();
    let path = format!("/{}", path.trim().trim_matches('/'));
    let drafts: Vec<&str> = published.draft_paths().collect();
    if !drafts.contains(&path.as_str()) {
        anyhow::bail!(
            "{path} is not a draft in the site folder (drafts: {}); published pages need no preview",
            if drafts.is_empty() {
                "none".to_owned()
            } else {
                drafts.join(", ")
            }
        );
    }
    println!("{}", preview_url(&core.vault, base_url, &path));
    Ok(())
}
