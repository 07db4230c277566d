//! A real SMTP server for tests and benchmarks: it listens on loopback, speaks SMTP over
//! TCP (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps what it
//! receives. It can refuse as a real server does: a mailbox at RCPT TO, or a message's
//! content at the end of DATA. It is not a mock of quietlist's mailer: quietlist talks to it through
//! lettre exactly as it would talk to Postfix.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One mail as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA (headers and body), dot-unstuffed.
    pub data: String,
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
    arrived: Notify,
    /// Answer this many DATA commands with a transient 451 before accepting.
    fail_transient: AtomicUsize,
    /// Answer this many messages (after DATA) with a permanent 554: the content refused.
    fail_permanent: AtomicUsize,
    /// Addresses whose RCPT TO is answered with a permanent 550: no such mailbox.
    unknown_recipients: Mutex<Vec<String>>,
    /// Greet this many connections with 421 (service not available) and close them.
    fail_greetings: AtomicUsize,
    /// Keep only a count, not the mails (benchmarks).
    count_only: std::sync::atomic::AtomicBool,
    /// While true, a mail is kept at once but its 250 waits (see `hold_acceptances`).
    hold: HoldGate,
    received: AtomicUsize,
}

struct HoldGate(tokio::sync::watch::Sender<bool>);

impl Default for HoldGate {
    fn default() -> Self {
        Self(tokio::sync::watch::Sender::new(false))
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(addr: &str) -> Self {
        let listener = TcpListener::bind(addr).await.expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("sink address");
        let shared = Arc::new(Shared::default());
        let accept_shared = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = accept_shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, shared).await;
                });
            }
        });
        Self { addr, shared }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// `true`: every mail from now on is kept (and counted) at once, but the sink answers
    /// its DATA with 250 only once this is set back to `false`: a mail that has reached
    /// the inbox while the sender still waits to hear so.
    pub fn hold_acceptances(&self, hold: bool) {
        self.shared.hold.0.send_replace(hold);
    }

    pub fn fail_next_transient(&self, n: usize) {
        self.shared.fail_transient.store(n, Ordering::SeqCst);
    }

    /// The next `n` connections are greeted with `421` and closed, as a relay that is
    /// shutting down or overloaded does.
    pub fn refuse_next_connections(&self, n: usize) {
        self.shared.fail_greetings.store(n, Ordering::SeqCst);
    }

    /// The next `n` messages are refused for good once sent, as a spam filter behind
    /// Postfix refuses a message's content: `554 5.7.1` at the end of DATA. It says nothing
    /// about the mailbox.
    pub fn refuse_next_at_data(&self, n: usize) {
        self.shared.fail_permanent.store(n, Ordering::SeqCst);
    }

    /// As [`Self::refuse_next_at_data`] (the name older tests use).
    pub fn fail_next_permanent(&self, n: usize) {
        self.refuse_next_at_data(n);
    }

    /// From now on, RCPT TO naming `address` is refused for good, as Postfix refuses a
    /// mailbox it does not have: `550 5.1.1 <address>: Recipient address rejected: User
    /// unknown in local recipient table`.
    pub fn refuse_at_rcpt(&self, address: &str) {
        self.shared
            .unknown_recipients
            .lock()
            .expect("sink lock")
            .push(address.to_ascii_lowercase());
    }

    /// `address` has a mailbox again: its RCPT TO is accepted.
    pub fn accept_at_rcpt(&self, address: &str) {
        let address = address.to_ascii_lowercase();
        self.shared
            .unknown_recipients
            .lock()
            .expect("sink lock")
            .retain(|a| *a != address);
    }

    pub fn count_only(&self) {
        self.shared.count_only.store(true, Ordering::SeqCst);
    }

    pub fn received(&self) -> usize {
        self.shared.received.load(Ordering::SeqCst)
    }

    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.shared.mails.lock().expect("sink lock").clone()
    }

    /// Waits until at least `n` mails have arrived (or `timeout` passes) and returns all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            let mails = self.mails();
            if mails.len() >= n || tokio::time::Instant::now() >= deadline {
                return mails;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    /// Waits until `n` mails have been counted (count-only mode).
    pub async fn wait_for_count(&self, n: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            let count = self.received();
            if count >= n || tokio::time::Instant::now() >= deadline {
                return count;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if take_one(&shared.fail_greetings) {
        write
            .write_all(b"421 4.3.2 sink.test service not available\r\n")
            .await?;
        return Ok(());
    }
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut mail_from = String::new();
    let mut rcpt_to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 sink.test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            mail_from = command[10..].trim().to_string();
            rcpt_to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            let recipient = command[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or("")
                .to_string();
            let unknown = shared
                .unknown_recipients
                .lock()
                .expect("sink lock")
                .contains(&recipient.to_ascii_lowercase());
            if unknown {
                let refusal = format!(
                    "550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in local recipient table\r\n"
                );
                write.write_all(refusal.as_bytes()).await?;
            } else {
                rcpt_to.push(recipient);
                write.write_all(b"250 OK\r\n").await?;
            }
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(unstuffed);
            }
            if take_one(&shared.fail_permanent) {
                // As Postfix words a content filter's refusal (header_checks, a milter).
                write
                    .write_all(b"554 5.7.1 Message content rejected\r\n")
                    .await?;
            } else if take_one(&shared.fail_transient) {
                write.write_all(b"451 4.3.0 try again later\r\n").await?;
            } else {
                if !shared.count_only.load(Ordering::SeqCst) {
                    shared.mails.lock().expect("sink lock").push(ReceivedMail {
                        mail_from: mail_from.clone(),
                        rcpt_to: rcpt_to.clone(),
                        data,
                    });
                }
                shared.received.fetch_add(1, Ordering::SeqCst);
                shared.arrived.notify_waiters();
                let mut held = shared.hold.0.subscribe();
                let _ = held.wait_for(|hold| !*hold).await;
                write.write_all(b"250 OK queued\r\n").await?;
            }
        } else if upper == "RSET" {
            mail_from.clear();
            rcpt_to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 command not implemented\r\n").await?;
        }
    }
}

fn take_one(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}
