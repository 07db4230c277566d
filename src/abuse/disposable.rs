//! Throwaway-mail domains: a list compiled into the binary (disposable_domains.txt),
//! which the owner can replace with a file, extend, and override per domain.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;

const BUNDLED: &str = include_str!("disposable_domains.txt");

#[derive(Debug, Clone, Default)]
pub struct DisposableDomains {
    blocked: HashSet<String>,
    allowed: HashSet<String>,
}

impl DisposableDomains {
    /// The bundled list (or the file that replaces it), plus `block`, less `allow`.
    pub fn load(file: Option<&Path>, block: &[String], allow: &[String]) -> anyhow::Result<Self> {
        let text = match file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading the throwaway-domain list {}", path.display()))?,
            None => BUNDLED.to_owned(),
        };
        let mut blocked: HashSet<String> = parse_list(&text).collect();
        blocked.extend(block.iter().map(|d| normalise(d)).filter(|d| !d.is_empty()));
        let allowed = allow
            .iter()
            .map(|d| normalise(d))
            .filter(|d| !d.is_empty())
            .collect();
        Ok(Self { blocked, allowed })
    }

    pub fn bundled() -> Self {
        Self {
            blocked: parse_list(BUNDLED).collect(),
            allowed: HashSet::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.blocked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocked.is_empty()
    }

    /// The listed domain `domain` falls under (itself or a parent), unless the owner
    /// allowed it (or a parent of it).
    pub fn throwaway<'a>(&self, domain: &'a str) -> Option<&'a str> {
        let domain = domain.trim_end_matches('.');
        let mut suffixes = std::iter::successors(Some(domain), |d| d.split_once('.').map(|x| x.1));
        if suffixes.clone().any(|s| self.allowed.contains(s)) {
            return None;
        }
        suffixes.find(|s| s.contains('.') && self.blocked.contains(*s))
    }
}

fn normalise(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn parse_list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .map(normalise)
        .filter(|d| !d.is_empty())
}

/// What a visitor is told, naming the domain.
pub fn refusal_message(domain: &str) -> String {
    format!("Addresses at {domain} are throwaway addresses; please use an address you will keep.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_has_hundreds_of_domains_and_covers_subdomains() {
        let list = DisposableDomains::bundled();
        assert!(list.len() > 500, "{}", list.len());
        assert_eq!(list.throwaway("mailinator.com"), Some("mailinator.com"));
        assert_eq!(list.throwaway("x.mailinator.com"), Some("mailinator.com"));
        assert_eq!(list.throwaway("gmail.com"), None);
        assert_eq!(list.throwaway("notmailinator.org"), None);
    }

    #[test]
    fn the_owner_can_allow_block_and_replace() {
        let list = DisposableDomains::load(None, &["Example.NET".into()], &["yopmail.com".into()])
            .unwrap();
        assert_eq!(list.throwaway("yopmail.com"), None);
        assert_eq!(list.throwaway("example.net"), Some("example.net"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("list.txt");
        std::fs::write(&file, "# mine\nonly.example\n").unwrap();
        let replaced = DisposableDomains::load(Some(&file), &[], &[]).unwrap();
        assert_eq!(replaced.len(), 1);
        assert_eq!(replaced.throwaway("mailinator.com"), None);
        assert!(DisposableDomains::load(Some(&dir.path().join("no")), &[], &[]).is_err());
    }
}
