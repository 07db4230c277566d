//! Logging to standard error (standard output is for `export`). Never addresses: code
//! logs subscriber ids.

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("QUIETLIST_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,lettre=warn"));
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
