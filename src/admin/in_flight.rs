//! Sign-ins being checked right now, per account and per network. A flood from one
//! network holds at most one of the password-hashing slots, so the owner, signing in from
//! anywhere else, is never queued behind it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct InFlight {
    counts: Mutex<HashMap<String, u32>>,
}

/// Held while a password is checked; leaving frees the places it took.
pub struct Entered {
    table: Arc<InFlight>,
    keys: Vec<String>,
}

impl InFlight {
    /// Takes a place for every key, or none when any key already has `max` in flight.
    pub fn try_enter(self: &Arc<Self>, keys: &[(String, u32)]) -> Option<Entered> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if keys
            .iter()
            .any(|(key, max)| counts.get(key).copied().unwrap_or(0) >= *max)
        {
            return None;
        }
        for (key, _) in keys {
            *counts.entry(key.clone()).or_insert(0) += 1;
        }
        Some(Entered {
            table: self.clone(),
            keys: keys.iter().map(|(k, _)| k.clone()).collect(),
        })
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let mut counts = self.table.counts.lock().unwrap_or_else(|e| e.into_inner());
        for key in &self.keys {
            if let Some(n) = counts.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_at_its_limit_refuses_until_a_place_is_left() {
        let table = Arc::new(InFlight::default());
        let keys = [("network:a".to_owned(), 1), ("account:x".to_owned(), 2)];
        let first = table.try_enter(&keys);
        assert!(first.is_some());
        assert!(table.try_enter(&keys).is_none(), "one per network");
        let other = [("network:b".to_owned(), 1), ("account:x".to_owned(), 2)];
        assert!(table.try_enter(&other).is_some(), "another network gets in");
        drop(first);
        assert!(table.try_enter(&keys).is_some());
    }
}
