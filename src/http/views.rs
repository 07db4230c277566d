//! First-party page views for the dashboard: a counter per page in memory, added to the
//! day's figures every few seconds. No cookie, no address, no identifier: a number.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::{DailyStat, Millis};

#[derive(Default)]
pub struct PageViews {
    counts: RwLock<HashMap<String, AtomicU64>>,
}

impl PageViews {
    /// Counts a view of `path` (reports, courses and the home page only).
    pub fn count(&self, path: &str) {
        if !(path == "/" || path.starts_with("/reports/") || path.starts_with("/courses/")) {
            return;
        }
        if let Ok(counts) = self.counts.read()
            && let Some(counter) = counts.get(path)
        {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if let Ok(mut counts) = self.counts.write() {
            counts
                .entry(path.to_owned())
                .or_default()
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Takes the counts so far, as the day's figures (scope `page:<path>`).
    pub fn take(&self, now: Millis) -> Vec<DailyStat> {
        let day = crate::waitlist::export::timestamp(now)
            .get(..10)
            .unwrap_or("")
            .to_owned();
        let Ok(counts) = self.counts.read() else {
            return Vec::new();
        };
        counts
            .iter()
            .filter_map(|(path, count)| {
                let value = count.swap(0, Ordering::Relaxed);
                (value > 0).then(|| DailyStat {
                    day: day.clone(),
                    scope: format!("page:{path}"),
                    metric: "views".into(),
                    value: value as i64,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_of_pages_are_counted_and_taken_once() {
        let views = PageViews::default();
        views.count("/reports/x");
        views.count("/reports/x");
        views.count("/static/site.css");
        let stats = views.take(0);
        assert_eq!(stats.len(), 1);
        assert_eq!(stats[0].value, 2);
        assert_eq!(stats[0].scope, "page:/reports/x");
        assert!(views.take(0).is_empty());
    }
}
