//! The demo site compiled into the binary: what `quietlist serve` shows with no settings.

pub const FILES: &[(&str, &str)] = &[
    ("site.toml", include_str!("../../site/site.toml")),
    (
        "reports/ketamine-rapid-antidepressant.md",
        include_str!("../../site/reports/ketamine-rapid-antidepressant.md"),
    ),
    (
        "courses/essential-business-foundations.md",
        include_str!("../../site/courses/essential-business-foundations.md"),
    ),
];
