//! Logging to standard error (standard output is for `export`). Never addresses: code
//! logs subscriber ids.

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// What `serve` (and any command with -v) logs.
pub const DEFAULT_FILTER: &str = "info,tower_http=warn,lettre=warn";
/// What other commands log: warnings and errors only, so that their output stands alone.
pub const QUIET_FILTER: &str = "warn";

pub fn init(format: LogFormat) {
    init_with(format, DEFAULT_FILTER)
}

/// Logs with `default_filter` unless `QUIETLIST_LOG` is set.
pub fn init_with(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_env("QUIETLIST_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second init (in tests) is harmless; ignore the error it returns.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
