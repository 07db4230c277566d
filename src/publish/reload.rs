//! Re-rendering the site when its folder changes (checked every few seconds, and at once
//! on SIGHUP). A broken edit is logged and the last good site stays up; in development
//! the pages answer an error page listing the problems instead, until they are fixed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::{ArcSwap, ArcSwapOption};
use tokio::sync::watch;

use super::check::SiteProblems;
use super::{Compressed, Published};

/// What identifies a folder's content cheaply: every file's path, size and mtime.
pub type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Takes the fingerprint of the site folder. Taken before the site is first built, so
/// that an edit made while it builds is seen as a change by the first poll.
pub fn fingerprint(root: &Path) -> Fingerprint {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => stack.push(path),
                Ok(meta) => out.push((path, meta.len(), meta.modified().ok())),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// Where and how to watch a site folder.
pub struct Watch {
    pub site_dir: PathBuf,
    /// The folder as it was when the served site was built (see [`fingerprint`]).
    pub built_from: Fingerprint,
    pub every: Duration,
}

/// Watches the site folder until `shutdown`, swapping in a newly rendered site after
/// changes and telling `status` whether the last edit broke it.
pub async fn watch_site(
    watch: Watch,
    site: Arc<ArcSwap<Published>>,
    status: Arc<SiteStatus>,
    load: impl Fn() -> anyhow::Result<Published> + Send + Sync + 'static,
    on_change: impl Fn() + Send + Sync + 'static,
    mut shutdown: watch::Receiver<bool>,
) {
    let Watch {
        site_dir,
        built_from,
        every,
    } = watch;
    let load = Arc::new(load);
    let mut last = built_from;
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        let forced = tokio::select! {
            _ = tokio::time::sleep(every) => false,
            Some(_) = async { match hangup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            _ = shutdown.changed() => return,
        };
        let now = {
            let dir = site_dir.clone();
            tokio::task::spawn_blocking(move || fingerprint(&dir))
                .await
                .unwrap_or_default()
        };
        if !forced && now == last {
            continue;
        }
        last = now;
        let load = load.clone();
        match tokio::task::spawn_blocking(move || load()).await {
            Ok(Ok(published)) => {
                site.store(Arc::new(published));
                status.fixed();
                on_change();
                tracing::info!(folder = %site_dir.display(), "the site changed; pages rendered again");
            }
            Ok(Err(e)) => {
                status.broken(&e);
                tracing::error!(folder = %site_dir.display(), error = format!("{e:#}"), "the changed site has an error; still serving the previous version");
            }
            Err(e) => tracing::error!(error = %e, "re-rendering the site failed"),
        }
    }
}

/// Whether the site folder's last edit broke the site, and the page that says how
/// (development only: a reader of a live site keeps getting the last good pages).
pub struct SiteStatus {
    show_in_browser: bool,
    error_page: ArcSwapOption<Compressed>,
}

impl SiteStatus {
    /// `show_in_browser`: answer every page with the problems while the site is broken
    /// (development); otherwise only the log says so.
    pub fn new(show_in_browser: bool) -> Self {
        Self {
            show_in_browser,
            error_page: ArcSwapOption::empty(),
        }
    }

    /// The error page every page answers with (503) while the site is broken, in
    /// development.
    pub fn error_page(&self) -> Option<Arc<Compressed>> {
        self.error_page.load_full()
    }

    fn broken(&self, error: &anyhow::Error) {
        if !self.show_in_browser {
            return;
        }
        let lines = match error.downcast_ref::<SiteProblems>() {
            Some(problems) => problems.problems.iter().map(ToString::to_string).collect(),
            None => vec![format!("{error:#}")],
        };
        match render_error_page(&lines) {
            Ok(body) => self.error_page.store(Some(Arc::new(Compressed::new(
                "text/html; charset=utf-8",
                body.into_bytes(),
            )))),
            Err(e) => tracing::error!(error = %e, "could not render the site's error page"),
        }
    }

    fn fixed(&self) {
        self.error_page.store(None);
    }
}

/// Self-contained (the site's own templates may be what is broken); minijinja escapes
/// every problem, which quotes the author's text.
const ERROR_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>The site has {{ problems|length }} problem{% if problems|length != 1 %}s{% endif %}</title>
</head>
<body>
<main>
<h1>The site folder has {{ problems|length }} problem{% if problems|length != 1 %}s{% endif %}</h1>
<p>The last edit could not be published. Fix these and save: this page reloads the site
within a few seconds. (Shown in development only; a production server keeps serving the
last good version and logs the problems.)</p>
<ul>
{% for problem in problems %}<li><code>{{ problem }}</code></li>
{% endfor %}</ul>
</main>
</body>
</html>
"#;

fn render_error_page(problems: &[String]) -> anyhow::Result<String> {
    let mut env = minijinja::Environment::new();
    env.add_template("site_error.html", ERROR_PAGE)?;
    Ok(env
        .get_template("site_error.html")?
        .render(minijinja::context! { problems => problems.to_vec() })?)
}
