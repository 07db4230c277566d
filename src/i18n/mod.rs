//! The words people read: pages, forms, error pages and mails, in every language quietlist
//! speaks. Each language is a Fluent catalogue compiled into the binary
//! (`src/i18n/locales/*.ftl`); templates call `t("key", arg=value)` and Rust code calls
//! [`tr`]. A key missing from a catalogue is caught by `tests/api/catalogue.rs`, not by a
//! reader: at run time the key itself is shown.

pub mod errors;

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language quietlist has a complete catalogue for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    English,
    German,
}

/// Every language, with its tag (BCP 47) and catalogue.
pub const LANGUAGES: &[(Language, &str, &str)] = &[
    (Language::English, "en", include_str!("locales/en.ftl")),
    (Language::German, "de", include_str!("locales/de.ftl")),
];

/// A language tag quietlist has no catalogue for.
#[derive(Debug, Clone, thiserror::Error)]
#[error("language {0:?} is not one quietlist speaks (it speaks: {known})", known = known_tags())]
pub struct UnknownLanguage(pub String);

fn known_tags() -> String {
    LANGUAGES
        .iter()
        .map(|(_, tag, _)| *tag)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Language {
    /// `en`, `de`; case does not matter, and a region (`de-AT`) falls back to its
    /// language, since the catalogues are per language.
    pub fn parse(tag: &str) -> Result<Self, UnknownLanguage> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        LANGUAGES
            .iter()
            .find(|(_, known, _)| known.eq_ignore_ascii_case(primary))
            .map(|(language, _, _)| *language)
            .ok_or_else(|| UnknownLanguage(tag.to_owned()))
    }

    /// The tag for `<html lang>` and the database: `en`, `de`.
    pub fn tag(self) -> &'static str {
        LANGUAGES
            .iter()
            .find(|(language, _, _)| *language == self)
            .map(|(_, tag, _)| *tag)
            .unwrap_or("en")
    }
}

/// The compiled catalogues, one bundle per language.
pub struct Catalogue {
    bundles: Vec<(Language, FluentBundle<FluentResource>)>,
    /// Problems found while parsing the catalogues (a test asserts there are none).
    pub problems: Vec<String>,
}

impl Catalogue {
    fn build() -> Self {
        let mut problems = Vec::new();
        let bundles = LANGUAGES
            .iter()
            .map(|(language, tag, source)| {
                let resource = match FluentResource::try_new((*source).to_owned()) {
                    Ok(resource) => resource,
                    Err((resource, errors)) => {
                        problems.extend(errors.iter().map(|e| format!("{tag}.ftl: {e:?}")));
                        resource
                    }
                };
                let locale = tag.parse().unwrap_or_default();
                let mut bundle = FluentBundle::new_concurrent(vec![locale]);
                // No invisible Unicode isolation marks around arguments: they end up in
                // mail subjects and in text a test (or a reader's search) compares.
                bundle.set_use_isolating(false);
                if let Err(errors) = bundle.add_resource(resource) {
                    problems.extend(errors.iter().map(|e| format!("{tag}.ftl: {e:?}")));
                }
                (*language, bundle)
            })
            .collect();
        Self { bundles, problems }
    }

    fn bundle(&self, language: Language) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, b)| b)
    }

    /// Whether `language`'s catalogue has `key`.
    pub fn has(&self, language: Language, key: &str) -> bool {
        self.bundle(language).is_some_and(|b| b.has_message(key))
    }

    /// Every key of `language`'s catalogue.
    pub fn keys(&self, language: Language) -> Vec<String> {
        let source = LANGUAGES
            .iter()
            .find(|(l, _, _)| *l == language)
            .map(|(_, _, s)| *s)
            .unwrap_or("");
        // A message starts a line with its identifier and ` =`; attributes and
        // continuation lines are indented, comments start with #.
        source
            .lines()
            .filter_map(|line| {
                let (id, _) = line.split_once('=')?;
                let id = id.trim_end();
                let starts_well = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
                (starts_well
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .then(|| id.to_owned())
            })
            .collect()
    }

    /// The text of `key` in `language` with `args`; the errors Fluent reported (a
    /// missing argument...) come back beside it.
    pub fn format_checked(
        &self,
        language: Language,
        key: &str,
        args: &[(&str, Arg)],
    ) -> (String, Vec<String>) {
        let Some(bundle) = self.bundle(language) else {
            return (
                key.to_owned(),
                vec![format!("no catalogue for {language:?}")],
            );
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return (
                key.to_owned(),
                vec![format!("{}: no message {key:?}", language.tag())],
            );
        };
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.to_fluent());
        }
        let mut errors = Vec::new();
        let text = bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned();
        let errors = errors
            .iter()
            .map(|e| format!("{}: {key}: {e}", language.tag()))
            .collect();
        (text, errors)
    }

    /// The text of `key` in `language`; a missing message shows its key (and is logged).
    pub fn format(&self, language: Language, key: &str, args: &[(&str, Arg)]) -> String {
        let (text, errors) = self.format_checked(language, key, args);
        if !errors.is_empty() {
            tracing::warn!(key, errors = ?errors, "catalogue problem");
        }
        text
    }
}

/// An argument of a message: text, or a number (which picks plural forms).
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(f64),
}

impl Arg {
    fn to_fluent(&self) -> FluentValue<'_> {
        match self {
            Self::Text(text) => FluentValue::String(Cow::Borrowed(text)),
            Self::Number(n) => FluentValue::from(*n),
        }
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn from(n: $t) -> Self {
                Self::Number(n as f64)
            }
        }
    )*};
}
number_arg!(i32, i64, u32, u64, usize);

/// Words to show someone, before their language is known: a catalogue message with its
/// arguments, or text that is not translated (an owner's own words, a server's answer).
#[derive(Debug, Clone)]
pub enum Text {
    Message(&'static str, Vec<(&'static str, Arg)>),
    Plain(String),
}

impl Text {
    /// A catalogue message without arguments.
    pub fn key(key: &'static str) -> Self {
        Self::Message(key, Vec::new())
    }

    /// A catalogue message with its arguments.
    pub fn with(key: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        Self::Message(key, args)
    }

    pub fn plain(text: impl Into<String>) -> Self {
        Self::Plain(text.into())
    }

    pub fn render(&self, language: Language) -> String {
        match self {
            Self::Message(key, args) => tr(language, key, args),
            Self::Plain(text) => text.clone(),
        }
    }
}

/// Marks a string as a catalogue key that is passed around before it is looked up (the
/// catalogue test finds keys by this call, `tr(` and the templates' `t(`).
pub const fn msg(key: &'static str) -> &'static str {
    key
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::build);

/// The catalogues compiled into the binary.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// The text of `key` in `language`, for Rust code: `tr(lang, "not-found-heading", &[])`.
pub fn tr(language: Language, key: &str, args: &[(&str, Arg)]) -> String {
    catalogue().format(language, key, args)
}

/// The minijinja side: `t("key", name=value, ...)`, in the language the template's
/// context names (`lang`). In HTML templates the arguments are escaped unless marked
/// safe, and the result is safe: the catalogue is ours, like the templates.
pub fn template_function(
    state: &minijinja::State<'_, '_>,
    key: &str,
    kwargs: minijinja::value::Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    let language = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(|tag| Language::parse(tag).ok()))
        .unwrap_or(Language::English);
    let html = matches!(state.auto_escape(), minijinja::AutoEscape::Html);
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: minijinja::Value = kwargs.get(name)?;
        let arg = if let Ok(n) = i64::try_from(value.clone()) {
            Arg::from(n)
        } else if value.is_none() || value.is_undefined() {
            Arg::Text(String::new())
        } else {
            let text = value.to_string();
            Arg::Text(if html && !value.is_safe() {
                crate::publish::templates::escape_html(&text)
            } else {
                text
            })
        };
        args.push((name, arg));
    }
    kwargs.assert_all_used()?;
    let text = catalogue().format(language, key, &args);
    Ok(if html {
        minijinja::Value::from_safe_string(text)
    } else {
        minijinja::Value::from(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_with_or_without_a_region_and_unknown_ones_are_refused() {
        assert_eq!(Language::parse("de").unwrap(), Language::German);
        assert_eq!(Language::parse("DE-at").unwrap(), Language::German);
        assert_eq!(Language::parse("en").unwrap(), Language::English);
        let error = Language::parse("xx").unwrap_err().to_string();
        assert!(
            error.contains("\"xx\"") && error.contains("en, de"),
            "{error}"
        );
    }

    #[test]
    fn the_catalogues_parse_without_problems() {
        assert!(
            catalogue().problems.is_empty(),
            "{:?}",
            catalogue().problems
        );
    }

    #[test]
    fn plurals_and_exact_numbers_pick_their_forms_in_each_language() {
        let days = |language, n: i64| {
            tr(
                language,
                "mail-confirm-link-works",
                &[("hours", 48.into()), ("days", n.into())],
            )
        };
        assert!(days(Language::English, 1).contains("within a day at most"));
        assert!(days(Language::English, 3).contains("within 3 days at most"));
        assert!(days(Language::English, 7).contains("within a week at most"));
        assert!(days(Language::German, 1).contains("nach spätestens einem Tag gelöscht"));
        assert!(days(Language::German, 3).contains("nach spätestens 3 Tagen gelöscht"));
        assert!(days(Language::German, 7).contains("nach spätestens einer Woche gelöscht"));
    }

    #[test]
    fn html_arguments_are_escaped_and_text_arguments_are_not() {
        let mut env = minijinja::Environment::new();
        env.add_function("t", template_function);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        let source = r#"{{ t("mail-welcome-on-the-list", list=title) }}"#;
        env.add_template("a.html", source).unwrap();
        env.add_template("a.txt", source).unwrap();
        let context = minijinja::context! { title => "<b>A & B</b>", lang => "de" };
        let html = env
            .get_template("a.html")
            .unwrap()
            .render(&context)
            .unwrap();
        let text = env.get_template("a.txt").unwrap().render(&context).unwrap();
        assert_eq!(
            html,
            "Sie stehen auf der Warteliste für &lt;b&gt;A &amp; B&lt;/b&gt;."
        );
        assert_eq!(text, "Sie stehen auf der Warteliste für <b>A & B</b>.");
    }
}
