//! A second language: the catalogues are complete (every key the templates and the code
//! use exists in every language, none is left over, each resolves with the arguments its
//! callers give), and a German page's visitor reads German from the form to the welcome
//! mail, at the real SMTP sink.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use quietlist::i18n::{Arg, LANGUAGES, catalogue};
use regex::Regex;

use crate::helpers::*;

/// Every key a caller names, with the argument names it passes.
type Uses = BTreeMap<String, BTreeSet<String>>;

fn files_under(dir: &Path, extension: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `t("key", name=value, ...)` in templates: the key and the keyword names up to the end
/// of the expression.
fn template_uses() -> Uses {
    let call = Regex::new(r#"\bt\(\s*["']([a-z][a-z0-9-]*)["']([^}]*)"#).unwrap();
    let kwarg = Regex::new(r"\b([a-z_]+)=[^=]").unwrap();
    let mut files = Vec::new();
    files_under(&root().join("templates"), "html", &mut files);
    files_under(&root().join("templates"), "txt", &mut files);
    let mut uses = Uses::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for found in call.captures_iter(&text) {
            // The arguments end where the call does; a nested call's are its own.
            let rest = found[2].split(")").next().unwrap_or("");
            let names = kwarg
                .captures_iter(rest)
                .map(|c| c[1].to_owned())
                .collect::<BTreeSet<_>>();
            uses.entry(found[1].to_owned()).or_default().extend(names);
        }
    }
    uses
}

/// Keys in Rust code: `tr(lang, "key", &[("arg", ..)])`, `Text::key("key")`,
/// `Text::with("key", vec![("arg", ..)])`, `msg("key")` and the mail subjects
/// (`subject_for("key")`, which passes `list`).
fn code_uses() -> Uses {
    let call = Regex::new(
        r#"(?s)\b(tr\([^,()]+,\s*|Text::key\(\s*|Text::with\(\s*|msg\(\s*|subject_for\(\s*)"([a-z][a-z0-9-]*)""#,
    )
    .unwrap();
    let arg = Regex::new(r#"\(\s*"([a-z_]+)",\s*"#).unwrap();
    let mut files = Vec::new();
    files_under(&root().join("src"), "rs", &mut files);
    let mut uses = Uses::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for found in call.captures_iter(&text) {
            let key = found[2].to_owned();
            let after = &text[found.get(0).unwrap().end()..];
            // The argument list ends at the first `]` (tr's slice, Text::with's vec!).
            let window = match found[1].chars().next() {
                Some('s') => {
                    uses.entry(key).or_default().insert("list".into());
                    continue;
                }
                _ if found[1].starts_with("Text::key") || found[1].starts_with("msg") => "",
                _ => after.split(']').next().unwrap_or(""),
            };
            let names = arg
                .captures_iter(window)
                .map(|c| c[1].to_owned())
                .collect::<BTreeSet<_>>();
            uses.entry(key).or_default().extend(names);
        }
    }
    uses
}

fn all_uses() -> Uses {
    let mut uses = template_uses();
    for (key, names) in code_uses() {
        uses.entry(key).or_default().extend(names);
    }
    uses
}

#[test]
fn every_key_in_use_is_in_every_catalogue_and_every_catalogue_key_is_in_use() {
    assert!(
        catalogue().problems.is_empty(),
        "{:?}",
        catalogue().problems
    );
    let used: BTreeSet<String> = all_uses().into_keys().collect();
    assert!(
        used.len() > 150,
        "the scan found only {} keys: is it still finding the calls?",
        used.len()
    );
    let mut problems = Vec::new();
    for (language, tag, _) in LANGUAGES {
        let have: BTreeSet<String> = catalogue().keys(*language).into_iter().collect();
        for missing in used.difference(&have) {
            problems.push(format!("{tag}.ftl has no {missing:?}"));
        }
        for unused in have.difference(&used) {
            problems.push(format!("{tag}.ftl: {unused:?} is used nowhere"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_message_resolves_in_every_language_with_the_arguments_its_callers_give() {
    let mut problems = Vec::new();
    for (key, names) in all_uses() {
        // Numbers pick plural forms (one, other, exact 7); text goes through as text.
        for sample in [Arg::from(1), Arg::from(2), Arg::from(7), Arg::from("text")] {
            let args: Vec<(&str, Arg)> = names
                .iter()
                .map(|name| (name.as_str(), sample.clone()))
                .collect();
            for (language, _, _) in LANGUAGES {
                let (text, errors) = catalogue().format_checked(*language, &key, &args);
                problems.extend(errors);
                if text.trim().is_empty() {
                    problems.push(format!("{key} is empty in {language:?}"));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The demo site with a German course page on the same waitlist.
fn german_page_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    std::fs::write(
        site.path().join("courses/kurs.md"),
        "+++\ntitle = \"Geschäftliche Grundlagen\"\nlanguage = \"de\"\nwaitlist = \"pilot-course\"\n+++\n\nEin Kurs über die geschäftliche Seite einer Praxis.\n",
    )
    .unwrap();
    site
}

#[tokio::test]
async fn a_german_pages_form_leads_to_german_pages_and_german_mails() {
    let site = german_page_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;

    let page = app.get_text("/courses/kurs").await;
    assert!(page.contains(r#"<html lang="de">"#), "{page}");
    assert!(page.contains(r#"<input type="hidden" name="lang" value="de">"#));
    assert!(page.contains("Auf die Warteliste") && page.contains("E-Mail-Adresse"));
    assert!(
        !page.contains("Email address"),
        "English left on the German page"
    );
    // The English pages stay English.
    let english = app
        .get_text("/courses/essential-business-foundations")
        .await;
    assert!(english.contains(r#"<html lang="en">"#) && english.contains("Email address"));

    let answer = app
        .post_signup_form(
            LIST,
            &[
                ("email", "leserin@example.com"),
                ("form", "course:kurs"),
                ("lang", "de"),
            ],
        )
        .await;
    assert_eq!(answer.status().as_u16(), 303);
    let inbox_path = answer.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(inbox_path, format!("/waitlists/{LIST}/check-your-inbox/de"));
    let inbox = app.get_text(&inbox_path).await;
    assert!(inbox.contains(r#"<html lang="de">"#));
    assert!(inbox.contains("Bitte sehen Sie in Ihr Postfach"), "{inbox}");
    assert!(inbox.contains("Zurück zur Startseite"));

    let confirmation = app.mail_to("leserin@example.com").await;
    let subject = header(&confirmation, "Subject").unwrap_or_default();
    let text = text_body(&confirmation);
    let html = html_body(&confirmation);
    assert!(
        text.contains("Bitte bestätigen Sie Ihren Platz auf der Warteliste"),
        "{text}"
    );
    assert!(
        text.contains("nach spätestens einer Woche gelöscht"),
        "{text}"
    );
    assert!(html.contains(r#"<html lang="de">"#) && html.contains("Meinen Platz bestätigen"));
    assert!(
        !text.contains("Please confirm"),
        "English in the German mail:\n{text}"
    );
    // The subject is encoded (it has umlauts); decoded it is German.
    let decoded = mail_parser::MessageParser::default()
        .parse(confirmation.data.as_bytes())
        .unwrap()
        .subject()
        .unwrap_or_default()
        .to_owned();
    assert!(
        decoded.starts_with("Bitte bestätigen Sie Ihren Platz"),
        "{decoded} ({subject})"
    );

    let link = link_in(&confirmation, "/confirm/");
    let button = app
        .client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(button.contains(r#"<html lang="de">"#) && button.contains("Meinen Platz bestätigen"));
    let confirmed = app.client.post(&link).send().await.unwrap();
    assert_eq!(confirmed.status().as_u16(), 200);
    let confirmed = confirmed.text().await.unwrap();
    assert!(confirmed.contains(r#"<html lang="de">"#));
    assert!(
        confirmed.contains("Sie stehen auf der Warteliste"),
        "{confirmed}"
    );
    assert!(confirmed.contains("Ihr Platz in der Warteliste:"));

    let welcome = loop {
        let mails = app.mails_to("leserin@example.com");
        if mails.len() >= 2 {
            break mails[1].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let text = text_body(&welcome);
    assert!(text.contains("Sie stehen auf der Warteliste für"), "{text}");
    assert!(text.contains("Mit einem Klick abmelden:"), "{text}");
    assert!(text.contains("höchstens 4 Mails in 30 Tagen"), "{text}");
    assert!(
        !text.contains("Unsubscribe"),
        "English in the German welcome:\n{text}"
    );
}

/// Signs `email` up on the German page of `german_page_site()`, confirms by the link in
/// the mail, and returns the welcome mail.
async fn a_german_reader_joins(app: &TestApp, email: &str) -> ReceivedMail {
    let answer = app
        .post_signup_form(
            LIST,
            &[("email", email), ("form", "course:kurs"), ("lang", "de")],
        )
        .await;
    assert_eq!(answer.status().as_u16(), 303);
    let link = link_in(&app.mail_to(email).await, "/confirm/");
    assert_eq!(app.client.post(&link).send().await.unwrap().status(), 200);
    loop {
        let mails = app.mails_to(email);
        if mails.len() >= 2 {
            break mails[1].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A page a person's link leads to: German, with no English catalogue text left on it.
async fn german_page(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"<html lang="de">"#), "{page}");
    assert_eq!(english_left_on(&page), Vec::<String>::new(), "{page}");
    page
}

#[tokio::test]
async fn the_links_in_a_german_readers_mail_open_german_pages_on_an_english_site() {
    let site = german_page_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    let welcome = a_german_reader_joins(&app, "leser@example.com").await;

    let unsubscribe = link_in(&welcome, "/unsubscribe/");
    let button = german_page(app.client.get(&unsubscribe).send().await.unwrap(), 200).await;
    assert!(
        button.contains("Drücken Sie den Knopf, und Sie bekommen von uns keine Mail mehr"),
        "{button}"
    );
    let manage = link_in(&welcome, "/manage/");
    let data = german_page(app.client.get(&manage).send().await.unwrap(), 200).await;
    assert!(data.contains("leser@example.com"), "{data}");
    let unticked = app
        .client
        .post(format!("{manage}/erase"))
        .send()
        .await
        .unwrap();
    let unticked = german_page(unticked, 422).await;
    assert!(
        unticked.contains("Kreuzen Sie das Kästchen an"),
        "{unticked}"
    );

    let gone = app.client.post(&unsubscribe).send().await.unwrap();
    let gone = german_page(gone, 200).await;
    assert!(gone.contains("Sie sind abgemeldet"), "{gone}");

    let erased = app
        .client
        .post(format!("{manage}/erase"))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    let erased = german_page(erased, 200).await;
    assert!(erased.contains("Alles über Sie ist gelöscht"), "{erased}");
}

#[tokio::test]
async fn the_form_for_other_sites_speaks_the_sites_language() {
    let site = german_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    let form = app.get(&format!("/waitlists/{LIST}/embed")).await;
    assert_eq!(form.status().as_u16(), 200);
    let form = form.text().await.unwrap();
    assert!(form.contains(r#"<html lang="de">"#), "{form}");
    // The call to action is the owner's own words (English in the demo's site.toml).
    let call = Regex::new(r#"(?s)<p class="call">.*?</p>"#).unwrap();
    let ours = call.replace(&form, "");
    assert_eq!(english_left_on(&ours), Vec::<String>::new(), "{form}");
    assert!(form.contains("Auf die Warteliste") && form.contains("E-Mail-Adresse"));
    assert!(form.contains(r#"<input type="hidden" name="lang" value="de">"#));
}

#[tokio::test]
async fn a_signup_on_the_english_page_of_the_same_list_stays_english() {
    let site = german_page_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    app.sign_up_and_confirm("reader@example.com").await;
    let confirmation = app.mails_to("reader@example.com").remove(0);
    assert!(text_body(&confirmation).contains("Please confirm your place"));
}

#[tokio::test]
async fn a_refused_field_on_the_german_form_is_explained_in_german() {
    let site = german_page_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    let answer = app
        .post_signup_form(
            LIST,
            &[
                ("email", "no-at-sign"),
                ("form", "course:kurs"),
                ("lang", "de"),
            ],
        )
        .await;
    assert_eq!(answer.status().as_u16(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains(r#"<html lang="de">"#));
    assert!(
        page.contains("Eine E-Mail-Adresse enthält genau ein @"),
        "{page}"
    );
    assert!(page.contains("Bitte prüfen Sie das markierte Feld."));
}

#[tokio::test]
async fn the_confirmation_mail_names_a_shorter_retention_when_it_is_set() {
    let app = spawn_app_with(|c| c.retention.pending = 2 * 24 * 60 * 60 * 1000).await;
    app.sign_up("reader@example.com").await;
    let text = text_body(&app.mail_to("reader@example.com").await);
    assert!(text.contains("deleted within 2 days at most"), "{text}");
    assert!(!text.contains("a week"), "{text}");
}

/// The demo site with `language = "de"` in site.toml: every page, and the owner's area, German.
fn german_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    let settings = site.path().join("site.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    assert!(
        text.contains("language = \"en\""),
        "the demo site names its language"
    );
    std::fs::write(
        &settings,
        text.replacen("language = \"en\"", "language = \"de\"", 1),
    )
    .unwrap();
    site
}

/// English catalogue values (long enough to mean something, and not the same in German)
/// that appear on `page`: words a German reader should not see.
fn english_left_on(page: &str) -> Vec<String> {
    use quietlist::i18n::Language;
    let mut found = Vec::new();
    for key in catalogue().keys(Language::English) {
        let (english, errors) = catalogue().format_checked(Language::English, &key, &[]);
        let (german, _) = catalogue().format_checked(Language::German, &key, &[]);
        if !errors.is_empty() || english.len() < 8 || english == german {
            continue;
        }
        let escaped = english.replace('&', "&amp;").replace('"', "&quot;");
        if page.contains(&english) || page.contains(&escaped) {
            found.push(format!("{key}: {english}"));
        }
    }
    found
}

#[tokio::test]
async fn an_invitation_on_a_german_site_is_accepted_on_german_pages() {
    let site = german_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    app.sign_up_and_confirm("gast@example.com").await;
    invite_next(&app, "1", "4");
    let invitation = loop {
        let mails = app.mails_to("gast@example.com");
        if let Some(mail) = mails.iter().find(|m| m.data.contains("/accept/")) {
            break mail.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let accept = link_in(&invitation, "/accept/");
    let decline = link_in(&invitation, "/decline/");

    let button = app
        .client
        .get(&decline)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(button.contains(r#"<html lang="de">"#), "{button}");
    assert!(button.contains("Die Einladung absagen"), "{button}");
    assert_eq!(english_left_on(&button), Vec::<String>::new(), "{button}");

    let button = app
        .client
        .get(&accept)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(button.contains("Ihren Platz annehmen") && button.contains("Platz annehmen"));
    assert_eq!(english_left_on(&button), Vec::<String>::new(), "{button}");

    let taken = app.client.post(&accept).send().await.unwrap();
    assert_eq!(taken.status().as_u16(), 200);
    let taken = taken.text().await.unwrap();
    assert!(taken.contains(r#"<html lang="de">"#) && taken.contains("Der Platz gehört Ihnen"));
    assert_eq!(english_left_on(&taken), Vec::<String>::new(), "{taken}");

    // The decline link, once the seat is taken, says so in German too.
    let answered = app
        .client
        .get(&decline)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(answered.contains("Ihr Stand: angenommen."), "{answered}");
    assert_eq!(
        english_left_on(&answered),
        Vec::<String>::new(),
        "{answered}"
    );
}

#[tokio::test]
async fn a_german_sites_owner_signs_in_and_reads_the_dashboard_in_german() {
    use crate::owner::{add_owner, browser, login_with, signed_in};
    let site = german_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    app.sign_up_and_confirm("gast@example.com").await;
    add_owner(&app);

    let client = browser();
    let login = client
        .get(app.url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains(r#"<html lang="de">"#), "{login}");
    assert!(login.contains("Anmeldung für Betreiber") && login.contains("Passwort"));
    assert_eq!(english_left_on(&login), Vec::<String>::new(), "{login}");

    let refused = login_with(&app, &client, "not the password").await;
    assert_eq!(refused.status().as_u16(), 401);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains("passen zu keinem Betreiberkonto"),
        "{refused}"
    );
    assert_eq!(english_left_on(&refused), Vec::<String>::new(), "{refused}");

    let (client, _) = signed_in(&app).await;
    let dashboard = client
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dashboard.contains(r#"<html lang="de">"#), "{dashboard}");
    for german in [
        "Übersicht",
        "Personen nach Stand",
        "bestätigt",
        "Trichter",
        "Zusagen",
        "Abmelden",
    ] {
        assert!(dashboard.contains(german), "no {german:?} on:\n{dashboard}");
    }
    assert_eq!(
        english_left_on(&dashboard),
        Vec::<String>::new(),
        "{dashboard}"
    );

    // A person's page (the record a data request is answered from) is German too.
    let list = client
        .get(app.url(&format!("/admin/lists/{LIST}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let person_path = list
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.starts_with("/admin/people/"))
        .unwrap_or_else(|| panic!("no person on:\n{list}"))
        .to_owned();
    let person = client
        .get(app.url(&person_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for german in [
        "Einwilligung",
        "Diese Person löschen",
        "bestätigt",
        "Prüfprotokoll",
    ] {
        assert!(person.contains(german), "no {german:?} on:\n{person}");
    }
    assert_eq!(english_left_on(&person), Vec::<String>::new(), "{person}");

    // A form without its CSRF token is refused on a German "not allowed" page.
    let refused = client.post(app.url("/admin/logout")).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains(r#"<html lang="de">"#) && refused.contains("Nicht erlaubt"),
        "{refused}"
    );
    assert_eq!(english_left_on(&refused), Vec::<String>::new(), "{refused}");
}

#[tokio::test]
async fn the_flood_check_page_of_a_german_site_is_german_down_to_its_reason() {
    let site = german_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| {
        c.site_dir = Some(dir);
        c.abuse.pow = true;
    })
    .await;
    let form = app
        .post_signup_form(LIST, &[("email", "d@example.com"), ("altcha", "junk")])
        .await;
    assert_eq!(form.status().as_u16(), 403);
    let page = form.text().await.unwrap();
    assert!(page.contains(r#"<html lang="de">"#), "{page}");
    assert!(
        page.contains("Arbeitsnachweis war unlesbar oder falsch"),
        "{page}"
    );
    assert!(!page.contains("proof-of-work solution"), "{page}");
    assert_eq!(english_left_on(&page), Vec::<String>::new(), "{page}");
}

/// Words a template may show as they are, in every language: names and abbreviations
/// that are the same in English and German.
const WORDS_IN_EVERY_LANGUAGE: &[&str] = &["CSV", "URL", "UTC", "API", "JSON", "HTTP", "HMAC"];

/// The words a reader sees in a template that do not come from the catalogue: the text
/// between tags, the human-facing attributes (`title`, `placeholder`, `aria-label`, `alt`,
/// a submit input's `value`) and text literals printed by an expression
/// (`{{ x or "never" }}`, a macro's `"to get it"`). Code (`<code>`, `<pre>`, `{% raw %}`)
/// is not words to translate; `{{ t(...) }}` and other expressions are dropped.
fn literal_words(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let comment = Regex::new(r"(?s)\{#.*?#\}|<!--.*?-->").unwrap();
    let raw = Regex::new(r"(?s)\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}").unwrap();
    let code =
        Regex::new(r"(?s)<(code|pre|script|style)\b[^>]*>.*?</(code|pre|script|style)>").unwrap();
    let statement = Regex::new(r"(?s)\{%.*?%\}").unwrap();
    let expression = Regex::new(r"(?s)\{\{.*?\}\}").unwrap();
    let string = Regex::new(r#""([^"]*)"|'([^']*)'"#).unwrap();
    let key_before = Regex::new(r"\bt\(\s*$").unwrap();
    let argument_before = Regex::new(r"[(,]\s*$").unwrap();
    let identifier = Regex::new(r"^[a-z_]+$").unwrap();
    let attribute =
        Regex::new(r#"(?i)\b(title|placeholder|aria-label|alt)\s*=\s*"([^"]*)""#).unwrap();
    let submit_value =
        Regex::new(r#"(?i)<input\b[^>]*\btype="submit"[^>]*\bvalue="([^"]*)""#).unwrap();
    let tag = Regex::new(r"(?s)<[^>]*>").unwrap();
    let entity = Regex::new(r"&#?[A-Za-z0-9]+;").unwrap();
    let loose_attribute = Regex::new(r#"\b[a-z][a-z-]*="[^"]*""#).unwrap();
    let path = Regex::new(r"\S*/\S*").unwrap();
    let word = Regex::new(r"\p{L}[\p{L}'’-]*").unwrap();

    let text = comment.replace_all(source, " ");
    let text = raw.replace_all(&text, " ");
    let text = code.replace_all(&text, " ");
    let text = statement.replace_all(&text, " ");
    // Text literals an expression prints; a catalogue key and markup in quotes are not.
    let mut literals = String::new();
    for expr in expression.find_iter(&text) {
        let expr = expr.as_str();
        for lit in string.captures_iter(expr) {
            let whole = lit.get(0).unwrap();
            let value = lit.get(1).or(lit.get(2)).unwrap().as_str();
            let before = &expr[..whole.start()];
            // A catalogue key, markup, or a name handed to a macro (`field_error("id")`).
            let code = key_before.is_match(before)
                || value.contains(['<', '>', '/', '='])
                || (argument_before.is_match(before) && identifier.is_match(value));
            if code {
                continue;
            }
            literals.push_str(value);
            literals.push(' ');
        }
    }
    let text = expression.replace_all(&text, " ");
    let mut visible = literals;
    for found in attribute.captures_iter(&text) {
        visible.push_str(&found[2]);
        visible.push(' ');
    }
    for found in submit_value.captures_iter(&text) {
        visible.push_str(&found[1]);
        visible.push(' ');
    }
    let text = tag.replace_all(&text, " ");
    // Attributes a macro writes outside a tag (` aria-invalid="true"`), paths and URLs.
    let text = loose_attribute.replace_all(&text, " ");
    visible.push_str(&path.replace_all(&text, " "));
    let visible = entity.replace_all(&visible, " ");
    for w in word.find_iter(&visible) {
        let w = w.as_str();
        if !WORDS_IN_EVERY_LANGUAGE.contains(&w) {
            found.push(w.to_owned());
        }
    }
    found
}

#[test]
fn the_scan_for_literal_words_finds_text_and_ignores_code_and_catalogue_calls() {
    let source = r#"{# a comment #}<h1 title="Hello there">{{ t("admin-dashboard") }}</h1>
<p>Visible words · {{ x or "never" }} {{ y|replace(",", ", ") }} {% if a == "erased" %}{% endif %}
<code>site.toml</code> {% raw %}{{ name }}{% endraw %} <input type="submit" value="Go">
<a href="/admin/x" class="inline" aria-label="Back">→</a> CSV &amp; URL
{{ '<iframe src="' ~ base ~ '">' }} <a href="/manage">/manage</a></p>
{% macro m(f) %} aria-invalid="true"{% endmacro %}<input{{ m("subject") }}>{{ m("to get it") }}"#;
    assert_eq!(
        literal_words(source),
        [
            "never", "to", "get", "it", "Hello", "there", "Back", "Go", "Visible", "words"
        ]
    );
}

/// Every visible word of every page (the reader's and the owner's) comes from the
/// catalogue: a German site's reader or owner reads no English left in a template.
#[test]
fn no_template_holds_visible_words_of_its_own() {
    let mut files = Vec::new();
    files_under(&root().join("templates"), "html", &mut files);
    assert!(files.len() >= 30, "the scan found only {files:?}");
    files.sort();
    let mut problems = Vec::new();
    for file in files {
        let words = literal_words(&std::fs::read_to_string(&file).unwrap());
        if !words.is_empty() {
            let name = file.strip_prefix(root()).unwrap().display().to_string();
            problems.push(format!("{name}: {}", words.join(" ")));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// A German site's owner area, beyond the dashboard: every page an owner works on, the
/// notices after an action and the reasons a form or an action was refused.
#[tokio::test]
async fn a_german_sites_owner_works_on_german_pages_down_to_each_refusal() {
    use crate::owner::{add_owner, signed_in};
    use crate::roles::{EDITOR, add_account, sign_in_as};
    let site = german_site();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    app.sign_up_and_confirm("gast@example.com").await;
    add_owner(&app);
    let (client, csrf) = signed_in(&app).await;
    let get = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let response = client.post(url).form(&form).send().await.unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, location, response.text().await.unwrap())
        }
    };
    let german = |page: &str, words: &[&str]| {
        assert!(page.contains(r#"<html lang="de">"#), "{page}");
        for word in words {
            assert!(page.contains(word), "no {word:?} on:\n{page}");
        }
        assert_eq!(english_left_on(page), Vec::<String>::new(), "{page}");
    };

    // The list: its people, invitations, cohorts, the form elsewhere, the import.
    let (status, list) = get(format!("/admin/lists/{LIST}")).await;
    assert_eq!(status, 200);
    german(
        &list,
        &[
            "Personen",
            "Adresse suchen",
            "Die Nächsten in der Warteliste einladen",
            "Neue Gruppe",
            "Das Formular auf einer anderen Website",
            "Aus CSV importieren",
            "bestätigt",
        ],
    );
    let (_, erased) = get(format!("/admin/lists/{LIST}?notice=erased")).await;
    german(&erased, &["Die Person wurde gelöscht."]);
    let (status, _, refused) = post(
        format!("/admin/lists/{LIST}/cohorts"),
        vec![
            ("csrf", csrf.clone()),
            ("name", "Keine Gruppe".into()),
            ("capacity", "4".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    german(
        &refused,
        &["Bitte prüfen Sie das Formular", "Kleinbuchstaben"],
    );

    // Writing an announcement: a form with a problem in each field is refused in German.
    let (status, form) = get(format!("/admin/lists/{LIST}/announcements/new")).await;
    assert_eq!(status, 200);
    german(
        &form,
        &["Neue Ankündigung", "Betreff", "Vorschau", "Senden um"],
    );
    let announcement = |subject: &str, body: &str, audience: bool, action: &str| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("subject", subject.to_owned()),
            ("body", body.to_owned()),
            ("send_at", "morgen".to_owned()),
            ("action", action.to_owned()),
        ];
        if audience {
            form.push(("to_confirmed", "yes".into()));
            form.retain(|(name, _)| *name != "send_at");
        }
        form
    };
    let (status, _, refused) = post(
        format!("/admin/lists/{LIST}/announcements/new"),
        announcement(
            "",
            "![Zählpixel](https://tracker.example/p.gif)",
            false,
            "preview",
        ),
    )
    .await;
    assert_eq!(status, 422);
    german(
        &refused,
        &[
            "Schreiben Sie einen Betreff",
            "liegt auf einer anderen Website",
            "Wählen Sie mindestens eine Gruppe",
            "ein Datum mit Uhrzeit",
        ],
    );
    // A good one: previewed, confirmed, sent, followed on the announcements page.
    let (status, _, preview) = post(
        format!("/admin/lists/{LIST}/announcements/new"),
        announcement("Neuigkeiten", "Guten Tag, {{ name }}.", true, "send"),
    )
    .await;
    assert_eq!(status, 200);
    german(
        &preview,
        &[
            "Jetzt senden?",
            "Wer sie jetzt bekommen würde",
            "Der Textteil",
        ],
    );
    let (status, _, sent) = post(
        format!("/admin/lists/{LIST}/announcements/new"),
        announcement("Neuigkeiten", "Guten Tag, {{ name }}.", true, "confirm"),
    )
    .await;
    assert_eq!(status, 200);
    german(&sent, &["Den Fortschritt verfolgen", "bekommen sie"]);
    let (status, runs) = get(format!("/admin/lists/{LIST}/announcements")).await;
    assert_eq!(status, 200);
    german(
        &runs,
        &[
            "Ankündigungen an",
            "Personen mit dem Stand bestätigt",
            "geprüft",
        ],
    );

    // API keys: refused without a scope, then made.
    let (status, keys) = get("/admin/api-keys".into()).await;
    assert_eq!(status, 200);
    german(
        &keys,
        &["Einen Schlüssel erzeugen", "Noch keine Schlüssel."],
    );
    let (status, _, refused) = post(
        "/admin/api-keys".into(),
        vec![("csrf", csrf.clone()), ("name", "crm".into())],
    )
    .await;
    assert_eq!(status, 422);
    german(&refused, &["Wählen Sie mindestens eine Berechtigung"]);
    let (status, _, made) = post(
        "/admin/api-keys".into(),
        vec![
            ("csrf", csrf.clone()),
            ("name", "crm".into()),
            ("scope-lists-read", "on".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    german(&made, &["Schlüssel crm ist erzeugt", "crm widerrufen"]);

    // Webhooks: a plain-http URL to another host is refused beside its field, a loopback
    // one is added, and its delivery log is German too.
    let (status, hooks) = get("/admin/webhooks".into()).await;
    assert_eq!(status, 200);
    german(&hooks, &["Noch kein Webhook.", "Einen Webhook hinzufügen"]);
    let (status, _, refused) = post(
        "/admin/webhooks".into(),
        vec![
            ("csrf", csrf.clone()),
            ("url", "http://example.com/hook".into()),
            ("event_0", "on".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    german(
        &refused,
        &["Unverschlüsseltes http schickt die signierte Nutzlast"],
    );
    let (status, _, added) = post(
        "/admin/webhooks".into(),
        vec![
            ("csrf", csrf.clone()),
            ("url", "http://127.0.0.1:9/hook".into()),
            ("event_0", "on".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    german(&added, &["hinzugefügt", "Nur Nummern"]);
    let id: i64 = added
        .split(r#"data-testid="webhook" data-id=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no webhook id on:\n{added}"));
    let (status, hook) = get(format!("/admin/webhooks/{id}")).await;
    assert_eq!(status, 200);
    german(&hook, &["Zurück zu den Webhooks", "nur Nummern"]);

    // An editor's refused action: the reason names the role and the action in German.
    add_account(&app, EDITOR, "editor");
    let (editor, _) = sign_in_as(&app, EDITOR).await;
    let refused = editor.get(app.url("/admin/api-keys")).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let refused = refused.text().await.unwrap();
    german(
        &refused,
        &[
            "Nicht erlaubt",
            "Ein Konto mit der Rolle Redakteur darf keine API-Schlüssel und Webhooks verwalten.",
        ],
    );
}
