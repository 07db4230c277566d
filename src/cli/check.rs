//! `quietlist check`: every problem in a site folder, as `FILE:LINE: message`.

use std::path::Path;

use crate::publish::check::{Problem, check};
use crate::publish::site::PageKind;
use crate::publish::{PublishOptions, Published, Site, SiteFiles};

/// Prints every problem (errors and warnings) to standard output; an error when there
/// is any error, else a one-line summary.
pub fn check_site(site_dir: Option<&Path>, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let files = match site_dir {
        Some(dir) => SiteFiles::read_dir(dir)?,
        None => SiteFiles::demo(),
    };
    let problems = check(&files.files);
    for problem in &problems {
        writeln!(out, "{problem}")?;
    }
    let errors = problems.iter().filter(|p| p.is_error()).count();
    if errors > 0 {
        anyhow::bail!(
            "{}: {errors} {} (see above){}",
            files.origin,
            plural(errors, "error", "errors"),
            warnings_note(&problems)
        );
    }
    // What the checks cannot see (a template that does not compile or render) the
    // server's own build finds: a folder that passes is one `serve` publishes.
    let built = Site::load(&files).and_then(|site| {
        Published::build(
            site,
            &PublishOptions {
                base_url: "http://127.0.0.1".into(),
            },
        )
    });
    if let Err(e) = built {
        writeln!(out, "{}: {e:#}", files.origin)?;
        anyhow::bail!("{}: the site does not build (see above)", files.origin);
    }
    let pages = |kind: PageKind| {
        files
            .files
            .keys()
            .filter(|p| crate::publish::check::page_kind(p) == Some(kind))
            .count()
    };
    let (reports, courses) = (pages(PageKind::Report), pages(PageKind::Course));
    writeln!(
        out,
        "{}: site.toml, {reports} {} and {courses} {} checked: no errors{}",
        files.origin,
        plural(reports, "report", "reports"),
        plural(courses, "course", "courses"),
        warnings_note(&problems)
    )?;
    Ok(())
}

fn warnings_note(problems: &[Problem]) -> String {
    let warnings = problems.iter().filter(|p| !p.is_error()).count();
    match warnings {
        0 => String::new(),
        n => format!(", {n} {}", plural(n, "warning", "warnings")),
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
