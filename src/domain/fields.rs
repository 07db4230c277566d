//! Custom fields a waitlist asks for (role, stage of practice...), declared in the site
//! settings, and the values a person gave for them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One question on a waitlist's form. (No `deny_unknown_fields` here: serde cannot
/// combine it with the flattened `kind`.)
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FieldSpec {
    /// The form field's name and the export column: `[a-z][a-z0-9_]*`, at most 32.
    pub name: String,
    /// What the form shows beside it.
    pub label: String,
    #[serde(default)]
    pub required: bool,
    #[serde(flatten)]
    pub kind: FieldKind,
    /// An optional hint shown under the field.
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FieldKind {
    /// Free text, one line, at most `max_length` characters (default 200).
    Text {
        #[serde(default = "default_max_length")]
        max_length: usize,
    },
    /// One of a fixed set of answers.
    Select { options: Vec<FieldOption> },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldOption {
    pub value: String,
    pub label: String,
}

fn default_max_length() -> usize {
    200
}

/// Names the signup form itself uses; a custom field may not take them.
const RESERVED: [&str; 6] = ["email", "name", "ref", "form", "website", "lang"];

impl FieldSpec {
    /// Checks a declaration from the settings file; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = self.name.len() <= 32
            && self.name.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(format!(
                "field name {:?} must match [a-z][a-z0-9_]* and be at most 32 characters",
                self.name
            ));
        }
        if RESERVED.contains(&self.name.as_str()) {
            return Err(format!("field name {:?} is reserved", self.name));
        }
        if let FieldKind::Select { options } = &self.kind
            && options.is_empty()
        {
            return Err(format!("field {:?} is a select with no options", self.name));
        }
        Ok(())
    }

    fn parse_value(&self, raw: &str) -> Result<Option<String>, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return if self.required {
                Err(self.error(FieldProblem::Required, "Please answer this question."))
            } else {
                Ok(None)
            };
        }
        if value.chars().any(char::is_control) {
            return Err(self.error(
                FieldProblem::BadCharacters,
                "This answer contains characters that are not allowed.",
            ));
        }
        match &self.kind {
            FieldKind::Text { max_length } => {
                if value.chars().count() > *max_length {
                    Err(self.error(
                        FieldProblem::TooLong(*max_length),
                        &format!("Please keep this under {max_length} characters."),
                    ))
                } else {
                    Ok(Some(value.to_owned()))
                }
            }
            FieldKind::Select { options } => {
                if options.iter().any(|o| o.value == value) {
                    Ok(Some(value.to_owned()))
                } else {
                    Err(self.error(
                        FieldProblem::NotAnOption,
                        "Please pick one of the listed answers.",
                    ))
                }
            }
        }
    }

    fn error(&self, problem: FieldProblem, message: &str) -> FieldError {
        FieldError {
            field: self.name.clone(),
            message: message.to_owned(),
            problem,
        }
    }
}

/// A custom field's answer that was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// What was wrong, for the form's words in the visitor's language.
    pub problem: FieldProblem,
}

/// What was wrong with a custom field's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    BadCharacters,
    /// Longer than this many characters.
    TooLong(usize),
    NotAnOption,
}

/// The validated answers to a waitlist's custom fields, by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldValues(BTreeMap<String, String>);

impl FieldValues {
    /// Takes the answers for the declared fields out of `input` (unknown keys are ignored,
    /// so an old form still works after a field is removed).
    pub fn parse<'a>(
        specs: &[FieldSpec],
        mut lookup: impl FnMut(&str) -> Option<&'a str>,
    ) -> Result<Self, FieldError> {
        let mut values = BTreeMap::new();
        for spec in specs {
            let raw = lookup(&spec.name).unwrap_or("");
            if let Some(value) = spec.parse_value(raw)? {
                values.insert(spec.name.clone(), value);
            }
        }
        Ok(Self(values))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role() -> FieldSpec {
        FieldSpec {
            name: "role".into(),
            label: "Your role".into(),
            required: true,
            kind: FieldKind::Select {
                options: vec![
                    FieldOption {
                        value: "therapist".into(),
                        label: "Therapist".into(),
                    },
                    FieldOption {
                        value: "trainee".into(),
                        label: "Trainee".into(),
                    },
                ],
            },
            help: None,
        }
    }

    fn note() -> FieldSpec {
        FieldSpec {
            name: "note".into(),
            label: "Anything else?".into(),
            required: false,
            kind: FieldKind::Text { max_length: 5 },
            help: None,
        }
    }

    #[test]
    fn declared_fields_are_validated_and_unknown_ones_ignored() {
        let specs = [role(), note()];
        let input = [("role", "trainee"), ("note", "hi"), ("evil", "x")];
        let values = FieldValues::parse(&specs, |k| {
            input.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
        })
        .unwrap();
        assert_eq!(values.get("role"), Some("trainee"));
        assert_eq!(values.get("note"), Some("hi"));
        assert_eq!(values.get("evil"), None);
    }

    #[test]
    fn bad_answers_name_the_field() {
        let specs = [role(), note()];
        let err = FieldValues::parse(&specs, |_| None).unwrap_err();
        assert_eq!(err.field, "role");
        let err = FieldValues::parse(&specs, |k| if k == "role" { Some("ceo") } else { None })
            .unwrap_err();
        assert_eq!(err.field, "role");
        let err = FieldValues::parse(&specs, |k| match k {
            "role" => Some("therapist"),
            _ => Some("too long"),
        })
        .unwrap_err();
        assert_eq!(err.field, "note");
    }

    #[test]
    fn declarations_are_checked() {
        assert!(role().check().is_ok());
        let mut bad = note();
        bad.name = "email".into();
        assert!(bad.check().is_err());
        bad.name = "Has Space".into();
        assert!(bad.check().is_err());
    }
}
