//! HTML and mail templates: compiled into the binary, each overridable by a file of the
//! same name in the site's `templates/` folder. HTML is escaped by default.

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, Value};

/// The built-in templates, by name.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "admin/announce.html",
        include_str!("../../templates/admin/announce.html"),
    ),
    (
        "admin/announcements.html",
        include_str!("../../templates/admin/announcements.html"),
    ),
    (
        "admin/api_keys.html",
        include_str!("../../templates/admin/api_keys.html"),
    ),
    (
        "admin/dashboard.html",
        include_str!("../../templates/admin/dashboard.html"),
    ),
    (
        "admin/import.html",
        include_str!("../../templates/admin/import.html"),
    ),
    (
        "admin/layout.html",
        include_str!("../../templates/admin/layout.html"),
    ),
    (
        "admin/list.html",
        include_str!("../../templates/admin/list.html"),
    ),
    (
        "admin/login.html",
        include_str!("../../templates/admin/login.html"),
    ),
    (
        "admin/person.html",
        include_str!("../../templates/admin/person.html"),
    ),
    (
        "admin/webhook.html",
        include_str!("../../templates/admin/webhook.html"),
    ),
    (
        "admin/webhooks.html",
        include_str!("../../templates/admin/webhooks.html"),
    ),
    ("base.html", include_str!("../../templates/base.html")),
    (
        "check_inbox.html",
        include_str!("../../templates/check_inbox.html"),
    ),
    (
        "confirmed.html",
        include_str!("../../templates/confirmed.html"),
    ),
    ("gone.html", include_str!("../../templates/gone.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("news.html", include_str!("../../templates/news.html")),
    (
        "invitation.html",
        include_str!("../../templates/invitation.html"),
    ),
    (
        "link_action.html",
        include_str!("../../templates/link_action.html"),
    ),
    (
        "mail/access.html",
        include_str!("../../templates/mail/access.html"),
    ),
    (
        "mail/access.txt",
        include_str!("../../templates/mail/access.txt"),
    ),
    (
        "mail/announcement.html",
        include_str!("../../templates/mail/announcement.html"),
    ),
    (
        "mail/announcement.txt",
        include_str!("../../templates/mail/announcement.txt"),
    ),
    (
        "mail/confirmation.html",
        include_str!("../../templates/mail/confirmation.html"),
    ),
    (
        "mail/confirmation.txt",
        include_str!("../../templates/mail/confirmation.txt"),
    ),
    (
        "mail/invite.html",
        include_str!("../../templates/mail/invite.html"),
    ),
    (
        "mail/invite.txt",
        include_str!("../../templates/mail/invite.txt"),
    ),
    (
        "mail/layout.html",
        include_str!("../../templates/mail/layout.html"),
    ),
    (
        "mail/welcome.html",
        include_str!("../../templates/mail/welcome.html"),
    ),
    (
        "mail/welcome.txt",
        include_str!("../../templates/mail/welcome.txt"),
    ),
    ("embed.html", include_str!("../../templates/embed.html")),
    ("manage.html", include_str!("../../templates/manage.html")),
    (
        "manage_request.html",
        include_str!("../../templates/manage_request.html"),
    ),
    ("message.html", include_str!("../../templates/message.html")),
    (
        "not_found.html",
        include_str!("../../templates/not_found.html"),
    ),
    ("page.html", include_str!("../../templates/page.html")),
    ("privacy.html", include_str!("../../templates/privacy.html")),
    ("signup.html", include_str!("../../templates/signup.html")),
    (
        "unsubscribed.html",
        include_str!("../../templates/unsubscribed.html"),
    ),
    (
        "way_back.html",
        include_str!("../../templates/way_back.html"),
    ),
    (
        "waitlist_form.html",
        include_str!("../../templates/waitlist_form.html"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

/// Escapes the five characters that matter in HTML text and attribute values. (The
/// default escaper also turns `/` into `&#x2f;`, which makes every URL unreadable.)
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(text)) if !value.is_safe() => out
            .write_str(&escape_html(text))
            .map_err(minijinja::Error::from),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

impl Templates {
    /// Built-in templates with the site's overrides on top. Every template is compiled
    /// here, so a broken override stops the start with its name, not a request later.
    pub fn new(overrides: &BTreeMap<String, String>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(html_formatter);
        env.add_function("t", crate::i18n::template_function);
        for (name, source) in BUILT_IN {
            let source = overrides
                .get(*name)
                .cloned()
                .unwrap_or_else(|| (*source).to_owned());
            env.add_template_owned(*name, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        for name in overrides.keys() {
            if !BUILT_IN.iter().any(|(n, _)| n == name) {
                tracing::warn!(template = %name, "the site overrides a template quietlist does not use");
            }
        }
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, context: Value) -> anyhow::Result<String> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        template
            .render(context)
            .map_err(|e| anyhow::anyhow!("rendering {name}: {e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_in_the_folder_is_built_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut stack = vec![dir.clone()];
        let mut on_disk = Vec::new();
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap().flatten() {
                if entry.path().is_dir() {
                    stack.push(entry.path());
                } else {
                    on_disk.push(
                        entry
                            .path()
                            .strip_prefix(&dir)
                            .unwrap()
                            .display()
                            .to_string(),
                    );
                }
            }
        }
        for name in on_disk {
            assert!(
                BUILT_IN.iter().any(|(n, _)| *n == name),
                "templates/{name} is not in BUILT_IN"
            );
        }
    }
}
