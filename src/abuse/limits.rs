//! The budgets of the four entry points that cost mail, rows or CPU, and how a setting
//! such as `burst=30,rate=60/min,wide=4,global=2000/s` changes them.

use super::table::Rate;

/// An entry point with its own budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryPoint {
    /// `POST /waitlists/{list}/signups`, form or JSON.
    Signup,
    /// `POST /manage`: asking for a link to manage one's data.
    Manage,
    /// The POSTs behind links in mail: confirm, accept, decline, unsubscribe.
    Link,
    /// `POST /admin/login`.
    Login,
}

impl EntryPoint {
    pub const ALL: [EntryPoint; 4] = [Self::Signup, Self::Manage, Self::Link, Self::Login];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Manage => "manage",
            Self::Link => "link",
            Self::Login => "login",
        }
    }
}

/// One entry point's limits: per client network, per wider network, and per node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Per IPv4 address or IPv6 /64.
    pub network: Rate,
    /// Per IPv4 /24 or IPv6 /48: `wide` times the network budget.
    pub wide: u32,
    /// For everyone together, on this node.
    pub global: Rate,
}

impl Budget {
    pub fn wide_rate(&self) -> Rate {
        Rate {
            burst: self.network.burst.saturating_mul(self.wide.max(1)),
            per_second: self.network.per_second * f64::from(self.wide.max(1)),
        }
    }

    /// The default budget of `entry`.
    pub fn default_for(entry: EntryPoint) -> Self {
        let (burst, per_second, wide, global) = match entry {
            // Per second after the burst: 60/min, 10/hour, 60/min, 30/hour. A classroom
            // or an office behind one address can sign up together.
            EntryPoint::Signup => (30, 1.0, 4, 2_000.0),
            EntryPoint::Manage => (5, 10.0 / 3600.0, 4, 50.0),
            EntryPoint::Link => (20, 1.0, 4, 500.0),
            // Each attempt costs an argon2 hash (tens of ms of CPU).
            EntryPoint::Login => (10, 30.0 / 3600.0, 3, 20.0),
        };
        Self {
            network: Rate { burst, per_second },
            wide,
            global: Rate {
                burst: global as u32,
                per_second: global,
            },
        }
    }

    /// Applies a setting: comma-separated `burst=N`, `rate=N/s|min|hour`, `wide=N`,
    /// `global=N/s|min|hour`; what it leaves out keeps its default.
    pub fn parse_over(mut self, setting: &str) -> Result<Self, String> {
        for part in setting.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not key=value (burst, rate, wide, global)"))?;
            match key.trim() {
                "burst" => self.network.burst = positive(value)?,
                "rate" => self.network.per_second = per_second(value)?,
                "wide" => self.wide = positive(value)?,
                "global" => {
                    let r = per_second(value)?;
                    self.global = Rate {
                        // A ceiling's burst is one second's worth (at least one).
                        burst: (r.ceil() as u32).max(1),
                        per_second: r,
                    };
                }
                other => {
                    return Err(format!(
                        "unknown key {other:?}: use burst, rate, wide or global"
                    ));
                }
            }
        }
        Ok(self)
    }
}

fn positive(value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{value:?} must be a whole number of at least 1")),
    }
}

fn per_second(value: &str) -> Result<f64, String> {
    let (n, unit) = value
        .trim()
        .split_once('/')
        .ok_or_else(|| format!("{value:?} must be N/s, N/min or N/hour"))?;
    let n = positive(n)?;
    let seconds = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        _ => return Err(format!("{value:?}: the unit must be s, min or hour")),
    };
    Ok(f64::from(n) / seconds)
}

/// Per API key: 60 at once, then 10 a second (a sync job pages through 500 people a
/// request, 5,000 a second).
pub const DEFAULT_API_RATE: Rate = Rate {
    burst: 60,
    per_second: 10.0,
};

/// Per client address (IPv4 address, IPv6 /64), API requests whose key is missing, wrong
/// or revoked: 20 at once, then one every 2 seconds. Past it, the address's requests are
/// refused before any key is looked up.
pub const DEFAULT_API_AUTH_RATE: Rate = Rate {
    burst: 20,
    per_second: 0.5,
};

/// Applies a `QUIETLIST_LIMIT_API` or `QUIETLIST_LIMIT_API_AUTH` setting
/// (`burst=N,rate=N/s|min|hour`) to `rate`.
pub fn parse_api_rate(rate: Rate, setting: &str) -> Result<Rate, String> {
    let budget = Budget {
        network: rate,
        wide: 1,
        global: rate,
    };
    for part in setting.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !(part.starts_with("burst") || part.starts_with("rate")) {
            return Err(format!("{part:?}: this limit takes burst and rate only"));
        }
    }
    Ok(budget.parse_over(setting)?.network)
}

/// Every entry point's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub signup: Budget,
    pub manage: Budget,
    pub link: Budget,
    pub login: Budget,
    /// Requests per API key (a token bucket per key, on each node).
    pub api: Rate,
    /// API requests that fail authentication, per client address (on each node).
    pub api_auth: Rate,
    /// Networks the signup table remembers at once (fixed memory: 48 bytes each); the
    /// other doors get a quarter of it, the wider networks a quarter of that.
    pub table_capacity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            signup: Budget::default_for(EntryPoint::Signup),
            manage: Budget::default_for(EntryPoint::Manage),
            link: Budget::default_for(EntryPoint::Link),
            login: Budget::default_for(EntryPoint::Login),
            api: DEFAULT_API_RATE,
            api_auth: DEFAULT_API_AUTH_RATE,
            table_capacity: 65_536,
        }
    }
}

impl Limits {
    pub fn budget(&self, entry: EntryPoint) -> &Budget {
        match entry {
            EntryPoint::Signup => &self.signup,
            EntryPoint::Manage => &self.manage,
            EntryPoint::Link => &self.link,
            EntryPoint::Login => &self.login,
        }
    }

    pub fn budget_mut(&mut self, entry: EntryPoint) -> &mut Budget {
        match entry {
            EntryPoint::Signup => &mut self.signup,
            EntryPoint::Manage => &mut self.manage,
            EntryPoint::Link => &mut self.link,
            EntryPoint::Login => &mut self.login,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_change_only_what_they_name_and_bad_ones_say_why() {
        let base = Budget::default_for(EntryPoint::Manage);
        let b = base.parse_over("burst=2, global=10/min").unwrap();
        assert_eq!(b.network.burst, 2);
        assert_eq!(b.network.per_second, base.network.per_second);
        assert!((b.global.per_second - 10.0 / 60.0).abs() < 1e-9);
        assert_eq!(b.global.burst, 1);
        assert!(base.parse_over("rate=5").unwrap_err().contains("N/s"));
        assert!(base.parse_over("speed=5/s").unwrap_err().contains("speed"));
        assert!(base.parse_over("burst=0").is_err());
    }
}
