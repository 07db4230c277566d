//! SMTP through lettre's protocol code, on connections quietlist opens itself so that
//! they have `TCP_NODELAY` set, kept in a small pool and reused.
//!
//! Why not lettre's own transport: it writes a message and its final `.` in two writes
//! on a socket with Nagle's algorithm on, so every mail waits for the server's delayed
//! ACK (40 ms on Linux) before the server may answer. That capped sending at about 25
//! mails per second per connection; with `TCP_NODELAY` the same loopback server takes
//! well over 1,000 per second (bench/RESULTS.md).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Context as _;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::compose::Outgoing;

/// How the connection is secured, from the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://host`, or `smtp://user:pass@host?tls=none`: no TLS (loopback relays, tests).
    Plain,
    /// `smtp://host?tls=opportunistic`: STARTTLS when offered.
    Opportunistic,
    /// `smtp://host?tls=required`: STARTTLS or fail.
    StartTls,
    /// `smtps://host`: TLS from the first byte.
    Implicit,
}

/// Where and how to reach the SMTP server. `Debug` never shows the password.
#[derive(Clone)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    credentials: Option<(String, SecretString)>,
    pub hello_name: String,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("authenticated", &self.credentials.is_some())
            .finish()
    }
}

impl SmtpTarget {
    /// Parses `smtp://[user:pass@]host[:port][?tls=required|opportunistic|none]` or
    /// `smtps://[user:pass@]host[:port]`.
    pub fn parse(raw: &SecretString) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw.expose_secret())
            .map_err(|e| anyhow::anyhow!("QUIETLIST_SMTP_URL is not a URL: {e}"))?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let has_password = !url.username().is_empty() || url.password().is_some();
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtps", None) => Security::Implicit,
            // A user name and password on a connection without TLS cross the network in
            // clear: only when the owner says so (a relay on the same machine).
            ("smtp", None) if has_password => anyhow::bail!(
                "QUIETLIST_SMTP_URL: smtp:// with a user name and password would send the \
                 password in clear. Use smtps://host (TLS from the start), or add ?tls=required \
                 (STARTTLS); if the relay is on this machine or a network you trust, add \
                 ?tls=none to say so"
            ),
            ("smtp", None | Some("none")) => Security::Plain,
            ("smtp", Some("required")) => Security::StartTls,
            ("smtp", Some("opportunistic")) => Security::Opportunistic,
            (scheme, tls) => anyhow::bail!(
                "QUIETLIST_SMTP_URL: {scheme}:// with tls={} is not supported; use smtp://, \
                 smtp://…?tls=required, smtp://…?tls=opportunistic, smtp://…?tls=none or smtps://",
                tls.unwrap_or("(none)")
            ),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .context("QUIETLIST_SMTP_URL has no host")?
            .trim_matches(|c| c == '[' || c == ']')
            .to_owned();
        let port = url.port().unwrap_or(match security {
            Security::Implicit => 465,
            Security::StartTls | Security::Opportunistic => 587,
            Security::Plain => 25,
        });
        let credentials = (!url.username().is_empty()).then(|| {
            let decode = |s: &str| percent_decode(s);
            (
                decode(url.username()),
                SecretString::from(decode(url.password().unwrap_or(""))),
            )
        });
        let hello_name = url.path().trim_start_matches('/').to_owned();
        Ok(Self {
            host,
            port,
            security,
            credentials,
            hello_name,
        })
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Where in the exchange an SMTP server answered no. Only a refusal at `RcptTo` says
/// anything about the address; one at `Data` is about this mail (a spam filter, a size
/// limit), one at `MailFrom` about the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStage {
    /// Before a mail was begun: connecting, TLS, greeting, login.
    Connection,
    MailFrom,
    RcptTo,
    Data,
}

impl SmtpStage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connection => "connection",
            Self::MailFrom => "MAIL FROM",
            Self::RcptTo => "RCPT TO",
            Self::Data => "DATA",
        }
    }
}

/// A failed delivery: `permanent` when the server refused the mail for good (5xx), at
/// `stage`. `message` is the server's own words (`550 5.1.1 ...`) when it answered.
#[derive(Debug)]
pub struct SmtpError {
    pub permanent: bool,
    pub stage: SmtpStage,
    pub message: String,
}

impl SmtpError {
    fn from_lettre(stage: SmtpStage, e: lettre::transport::smtp::Error) -> Self {
        let message = match (e.status(), std::error::Error::source(&e)) {
            // The reply code and the server's text, without lettre's framing.
            (Some(code), Some(text)) => format!("{code} {text}"),
            _ => e.to_string(),
        };
        Self {
            // Only a 5xx reply: a 4xx, a broken connection or a timeout may pass.
            permanent: e.is_permanent(),
            stage,
            message,
        }
    }

    fn transient(stage: SmtpStage, message: String) -> Self {
        Self {
            permanent: false,
            stage,
            message,
        }
    }
}

pub struct SmtpClient {
    target: SmtpTarget,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    max_idle: usize,
    tls: Option<Arc<rustls::ClientConfig>>,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// Ending a transaction (RSET) or a connection (QUIT) waits no longer than this.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);

impl SmtpClient {
    pub fn new(target: SmtpTarget, max_idle: usize) -> anyhow::Result<Self> {
        let tls = (target.security == Security::Implicit)
            .then(implicit_tls_config)
            .transpose()?;
        Ok(Self {
            target,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
            tls,
        })
    }

    /// Sends `message`, on an idle connection if there is one. A reused connection that
    /// turns out to be dead is replaced once.
    pub async fn send(&self, message: &Outgoing) -> Result<(), SmtpError> {
        let envelope = &message.envelope;
        let body = &message.bytes;
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let fresh_tried = reused.is_none();
        let mut connection = match reused {
            Some(c) => c,
            None => self.connect().await?,
        };
        let mut result = self.send_on(&mut connection, envelope, body).await;
        if let Err(e) = &result
            && !e.permanent
            && !fresh_tried
            && connection.has_broken()
        {
            // The server may have closed an idle connection; try once on a new one. (A
            // refusal on a connection that still works is the server's answer: the outbox
            // tries again later.)
            connection = self.connect().await?;
            result = self.send_on(&mut connection, envelope, body).await;
        }
        if !connection.has_broken()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push(connection);
        }
        result
    }

    /// One mail on one connection. A refusal (any reply) ends the transaction with RSET
    /// and keeps the connection; anything else (a broken stream, a timeout) leaves it in an
    /// unknown state, so it is closed and not reused.
    async fn send_on(
        &self,
        connection: &mut AsyncSmtpConnection,
        envelope: &lettre::address::Envelope,
        body: &[u8],
    ) -> Result<(), SmtpError> {
        let outcome = tokio::time::timeout(SEND_TIMEOUT, transaction(connection, envelope, body))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Broken(SmtpError::transient(
                    SmtpStage::Data,
                    "the SMTP server did not answer in time".into(),
                )))
            });
        match outcome {
            Ok(()) => Ok(()),
            Err(Failure::Refused(e)) => {
                let reset = tokio::time::timeout(QUIT_TIMEOUT, connection.command(Rset)).await;
                if !matches!(reset, Ok(Ok(_))) {
                    close(connection).await;
                }
                Err(e)
            }
            Err(Failure::Broken(e)) => {
                close(connection).await;
                Err(e)
            }
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        let t = &self.target;
        let tcp = tokio::time::timeout(
            CONNECT_TIMEOUT,
            TcpStream::connect((t.host.as_str(), t.port)),
        )
        .await
        .map_err(|_| {
            SmtpError::transient(
                SmtpStage::Connection,
                format!("connecting to {}:{} timed out", t.host, t.port),
            )
        })?
        .map_err(|e| {
            SmtpError::transient(
                SmtpStage::Connection,
                format!("connecting to {}:{}: {e}", t.host, t.port),
            )
        })?;
        tcp.set_nodelay(true).map_err(|e| {
            SmtpError::transient(SmtpStage::Connection, format!("setting TCP_NODELAY: {e}"))
        })?;
        let hello = if t.hello_name.is_empty() {
            ClientId::default()
        } else {
            ClientId::Domain(t.hello_name.clone())
        };
        let stream: Box<dyn AsyncTokioStream> = match &self.tls {
            Some(config) => {
                let name =
                    rustls::pki_types::ServerName::try_from(t.host.clone()).map_err(|e| {
                        SmtpError::transient(SmtpStage::Connection, format!("{}: {e}", t.host))
                    })?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| {
                        SmtpError::transient(
                            SmtpStage::Connection,
                            format!("TLS with {}: {e}", t.host),
                        )
                    })?;
                Box::new(TlsTcp(tls))
            }
            None => Box::new(tcp),
        };
        let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &hello)
            .await
            .map_err(|e| SmtpError::from_lettre(SmtpStage::Connection, e))?;
        let starttls = match t.security {
            Security::StartTls => true,
            Security::Opportunistic => connection.can_starttls(),
            Security::Plain | Security::Implicit => false,
        };
        if starttls {
            let parameters = TlsParameters::new(t.host.clone())
                .map_err(|e| SmtpError::from_lettre(SmtpStage::Connection, e))?;
            connection
                .starttls(parameters, &hello)
                .await
                .map_err(|e| SmtpError::from_lettre(SmtpStage::Connection, e))?;
        }
        if let Some((user, password)) = &t.credentials {
            // `tls=opportunistic` found no STARTTLS: the password would go out in clear.
            if t.security == Security::Opportunistic && !starttls {
                return Err(SmtpError::transient(
                    SmtpStage::Connection,
                    format!(
                        "{} offers no STARTTLS; the password is not sent in clear (set ?tls=none \
                     to allow it)",
                        t.host
                    ),
                ));
            }
            let credentials = Credentials::new(user.clone(), password.expose_secret().to_owned());
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await
                .map_err(|e| SmtpError::from_lettre(SmtpStage::Connection, e))?;
        }
        Ok(connection)
    }
}

/// How one transaction went wrong: the server said no (the connection is fine), or the
/// connection itself failed.
enum Failure {
    Refused(SmtpError),
    Broken(SmtpError),
}

impl Failure {
    fn at(stage: SmtpStage) -> impl Fn(lettre::transport::smtp::Error) -> Self {
        move |e| {
            let replied = e.status().is_some();
            let e = SmtpError::from_lettre(stage, e);
            if replied {
                Self::Refused(e)
            } else {
                Self::Broken(e)
            }
        }
    }
}

/// MAIL FROM, each RCPT TO, then DATA, one step at a time (lettre's `send` does the same
/// but does not say which step a refusal answered, and closes the connection after one).
async fn transaction(
    connection: &mut AsyncSmtpConnection,
    envelope: &lettre::address::Envelope,
    body: &[u8],
) -> Result<(), Failure> {
    let mut options = Vec::new();
    // As lettre's `send`: SMTPUTF8 for addresses beyond ASCII, 8BITMIME for such a body,
    // and no attempt when the server offers neither.
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    let addresses_ascii = envelope.from().is_none_or(ascii) && envelope.to().iter().all(ascii);
    if !addresses_ascii {
        if !connection
            .server_info()
            .supports_feature(Extension::SmtpUtfEight)
        {
            return Err(Failure::Refused(SmtpError::transient(
                SmtpStage::MailFrom,
                "the address has characters beyond ASCII and the server does not offer SMTPUTF8"
                    .into(),
            )));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !body.is_ascii() {
        if !connection
            .server_info()
            .supports_feature(Extension::EightBitMime)
        {
            return Err(Failure::Refused(SmtpError::transient(
                SmtpStage::MailFrom,
                "the message has characters beyond ASCII and the server does not offer 8BITMIME"
                    .into(),
            )));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    connection
        .command(Mail::new(envelope.from().cloned(), options))
        .await
        .map_err(Failure::at(SmtpStage::MailFrom))?;
    for to in envelope.to() {
        connection
            .command(Rcpt::new(to.clone(), Vec::new()))
            .await
            .map_err(Failure::at(SmtpStage::RcptTo))?;
    }
    connection
        .command(Data)
        .await
        .map_err(Failure::at(SmtpStage::Data))?;
    connection
        .message(body)
        .await
        .map_err(Failure::at(SmtpStage::Data))?;
    Ok(())
}

/// Closes a connection that is not to be reused (`has_broken` is true from the start of
/// `abort`, so a QUIT that hangs costs at most `QUIT_TIMEOUT`).
async fn close(connection: &mut AsyncSmtpConnection) {
    let _ = tokio::time::timeout(QUIT_TIMEOUT, connection.abort()).await;
}

fn implicit_tls_config() -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("setting up TLS")?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A TLS stream over TCP, as lettre's transport trait wants it.
#[derive(Debug)]
struct TlsTcp(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for TlsTcp {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> anyhow::Result<SmtpTarget> {
        SmtpTarget::parse(&SecretString::from(url.to_owned()))
    }

    #[test]
    fn smtp_urls_parse_into_targets() {
        let t = parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.security),
            ("127.0.0.1", 2525, Security::Plain)
        );
        let t = parse("smtps://user%40example.org:p%40ss@mail.example.org").unwrap();
        assert_eq!((t.port, t.security), (465, Security::Implicit));
        let (user, password) = t.credentials.clone().unwrap();
        assert_eq!(user, "user@example.org");
        assert_eq!(password.expose_secret(), "p@ss");
        assert!(!format!("{t:?}").contains("p@ss"));
        let t = parse("smtp://mail.example.org?tls=required").unwrap();
        assert_eq!((t.port, t.security), (587, Security::StartTls));
        assert!(parse("http://example.org").is_err());
        assert!(parse("smtp://example.org?tls=maybe").is_err());
        assert!(parse("not a url").is_err());
    }

    #[test]
    fn a_password_without_tls_is_refused_unless_tls_none_says_so() {
        let err = parse("smtp://user:pass@mail.example.org").unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("tls=none"), "{message}");
        assert!(!message.contains("pass@"), "{message}");
        let t = parse("smtp://user:pass@127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((t.port, t.security), (2525, Security::Plain));
        assert!(t.credentials.is_some());
        // Without a password there is nothing to leak.
        assert_eq!(parse("smtp://127.0.0.1").unwrap().security, Security::Plain);
        assert_eq!(
            parse("smtp://127.0.0.1?tls=none").unwrap().security,
            Security::Plain
        );
        assert!(parse("smtps://user:pass@mail.example.org").is_ok());
        assert!(parse("smtp://user:pass@mail.example.org?tls=required").is_ok());
    }
}
