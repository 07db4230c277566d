//! Mail: the outbox worker, SMTP through lettre, and the templates of each kind of mail.

pub mod compose;
pub mod dispatcher;
pub mod dkim;
pub mod rate;
pub mod redact;
pub mod rules;
pub mod smtp;
pub mod transport;
pub mod worker;
pub mod wrap;

pub use compose::MailSettings;
pub use dispatcher::AnnouncementDispatcher;
pub use rate::SendRate;
pub use transport::Transport;
pub use worker::OutboxWorker;
