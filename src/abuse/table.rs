//! A bounded table of token buckets keyed by network, for per-network rate limits.
//!
//! Why this shape: the old map grew to 100k clients and then scanned itself on every
//! request. Here memory is fixed at start (`sets * WAYS` slots) and every check touches
//! one set of `WAYS` slots under its own lock: O(1) work whatever an attacker sends, no
//! allocation after start, no background sweeper. A key is hashed (SipHash with a random
//! per-process key, so an outsider cannot aim collisions at a victim's set) to one set;
//! when the set is full, the slot whose bucket has refilled the most is reused. A full
//! bucket carries no information, so in normal operation nothing is lost; only a flood
//! of thousands of distinct networks landing in one set can make the table forget a
//! limited client early, and the global ceiling still holds then.

use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Slots per set: a check reads at most this many.
const WAYS: usize = 8;

/// How fast a bucket refills and how much it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Requests that may come at once.
    pub burst: u32,
    /// Requests regained per second after that.
    pub per_second: f64,
}

impl Rate {
    fn refill(&self, tokens: f64, elapsed: Duration) -> f64 {
        (tokens + elapsed.as_secs_f64() * self.per_second).min(f64::from(self.burst))
    }

    fn wait_for_one(&self, tokens: f64) -> Duration {
        if self.per_second <= 0.0 {
            return Duration::from_secs(3600);
        }
        Duration::from_secs_f64(((1.0 - tokens) / self.per_second).max(1.0))
    }
}

#[derive(Clone, Copy)]
struct Slot {
    key: u128,
    tokens: f64,
    updated: Instant,
}

/// Token buckets for up to `capacity` keys at once (rounded up to whole sets).
pub struct BucketTable {
    rate: Rate,
    hasher: std::collections::hash_map::RandomState,
    sets: Box<[Mutex<[Option<Slot>; WAYS]>]>,
}

impl BucketTable {
    pub fn new(rate: Rate, capacity: usize) -> Self {
        let sets = capacity.div_ceil(WAYS).max(1);
        Self {
            rate,
            hasher: std::collections::hash_map::RandomState::new(),
            sets: (0..sets).map(|_| Mutex::new([None; WAYS])).collect(),
        }
    }

    /// Slots in the table: the most keys it remembers at once.
    pub fn capacity(&self) -> usize {
        self.sets.len() * WAYS
    }

    /// Whether `key`'s bucket holds a token, without taking it (a key the table does not
    /// hold has a full bucket); `Err(wait)` when it is empty.
    pub fn peek(&self, key: u128, now: Instant) -> Result<(), Duration> {
        let index = (self.hasher.hash_one(key) % self.sets.len() as u64) as usize;
        let Some(set) = self.sets.get(index) else {
            return Ok(());
        };
        let set = set.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(slot) = set.iter().flatten().find(|s| s.key == key) else {
            return Ok(());
        };
        let tokens = self
            .rate
            .refill(slot.tokens, now.saturating_duration_since(slot.updated));
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(self.rate.wait_for_one(tokens))
        }
    }

    /// Takes one token from `key`'s bucket; `Err(wait)` when it is empty.
    pub fn take(&self, key: u128, now: Instant) -> Result<(), Duration> {
        let index = (self.hasher.hash_one(key) % self.sets.len() as u64) as usize;
        let Some(set) = self.sets.get(index) else {
            return Ok(());
        };
        // A poisoned lock means a panic elsewhere while holding it; the buckets are
        // still usable numbers, so keep limiting.
        let mut set = set.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let rate = self.rate;
        let full = f64::from(rate.burst);
        let position = set.iter().position(|s| s.is_some_and(|s| s.key == key));
        let slot = match position {
            Some(i) => &mut set[i],
            None => {
                // An empty slot, or else the one that has refilled the most.
                let victim = set
                    .iter()
                    .enumerate()
                    .map(|(i, s)| match s {
                        None => (i, f64::INFINITY),
                        Some(s) => (
                            i,
                            rate.refill(s.tokens, now.saturating_duration_since(s.updated)),
                        ),
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(i, _)| i)
                    .unwrap_or(0);
                set[victim] = Some(Slot {
                    key,
                    tokens: full,
                    updated: now,
                });
                &mut set[victim]
            }
        };
        let Some(slot) = slot.as_mut() else {
            return Ok(());
        };
        slot.tokens = rate.refill(slot.tokens, now.saturating_duration_since(slot.updated));
        slot.updated = now;
        if slot.tokens >= 1.0 {
            slot.tokens -= 1.0;
            Ok(())
        } else {
            Err(rate.wait_for_one(slot.tokens))
        }
    }
}

/// One bucket for everyone: the ceiling per node.
pub struct GlobalBucket {
    rate: Rate,
    state: Mutex<(f64, Instant)>,
}

impl GlobalBucket {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            state: Mutex::new((f64::from(rate.burst), Instant::now())),
        }
    }

    pub fn take(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tokens = self
            .rate
            .refill(state.0, now.saturating_duration_since(state.1));
        *state = (tokens, now);
        if tokens >= 1.0 {
            state.0 -= 1.0;
            Ok(())
        } else {
            Err(self.rate.wait_for_one(tokens))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(burst: u32, per_second: f64) -> Rate {
        Rate { burst, per_second }
    }

    #[test]
    fn a_key_gets_its_burst_then_waits_and_others_are_unaffected() {
        let table = BucketTable::new(rate(3, 1.0), 64);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(table.take(1, t0).is_ok());
        }
        let wait = table.take(1, t0).unwrap_err();
        assert!(wait >= Duration::from_secs(1));
        assert!(table.take(2, t0).is_ok());
        assert!(table.take(1, t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn peeking_takes_nothing_and_sees_an_empty_bucket() {
        let table = BucketTable::new(rate(2, 1.0), 64);
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(table.peek(1, t0).is_ok());
        }
        assert!(table.take(1, t0).is_ok());
        assert!(table.take(1, t0).is_ok());
        assert!(table.peek(1, t0).unwrap_err() >= Duration::from_secs(1));
        assert!(table.peek(1, t0 + Duration::from_secs(1)).is_ok());
        assert!(table.peek(2, t0).is_ok());
    }

    #[test]
    fn memory_stays_fixed_and_limited_keys_survive_a_flood_of_new_ones() {
        let table = BucketTable::new(rate(2, 0.001), 1024);
        let t0 = Instant::now();
        assert!(table.take(7, t0).is_ok());
        assert!(table.take(7, t0).is_ok());
        assert!(table.take(7, t0).is_err());
        // 100x the capacity in one-off keys: each leaves a bucket with one token taken,
        // fuller than key 7's empty one, so 7 is never the slot chosen for reuse.
        for key in 1000..103_400u128 {
            let _ = table.take(key, t0);
        }
        assert_eq!(table.capacity(), 1024);
        assert!(table.take(7, t0).is_err(), "a limited key was forgotten");
    }

    #[test]
    fn a_slot_is_small() {
        // 65,536 slots of signups, 16,384 for each other door, plus a quarter of each
        // for the wider networks: about 7 MB in all at this size.
        assert!(std::mem::size_of::<Option<Slot>>() <= 48);
    }

    #[test]
    fn the_global_bucket_holds_its_ceiling() {
        let global = GlobalBucket::new(rate(5, 5.0));
        let t0 = Instant::now();
        let passed = (0..50).filter(|_| global.take(t0).is_ok()).count();
        assert_eq!(passed, 5);
        assert!(global.take(t0 + Duration::from_secs(1)).is_ok());
    }
}
