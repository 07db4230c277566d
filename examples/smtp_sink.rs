//! A loopback SMTP server for the browser tests and the benchmarks (not shipped).
//!
//! `cargo run --example smtp_sink -- [ADDR] [--dir FOLDER] [--count-only]`
//! prints `listening ADDR` on its first line, then writes each mail it receives to
//! FOLDER as `NNNNNN.eml` (or only counts them, printing the count every second).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/smtp_sink.rs"]
mod smtp_sink;

use std::path::PathBuf;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let mut addr = "127.0.0.1:0".to_string();
    let mut dir: Option<PathBuf> = None;
    let mut count_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dir" => dir = args.next().map(PathBuf::from),
            "--count-only" => count_only = true,
            other => addr = other.to_string(),
        }
    }
    let sink = smtp_sink::SmtpSink::start_on(&addr).await;
    if count_only {
        sink.count_only();
    }
    println!("listening {}", sink.addr);
    if let Some(dir) = &dir {
        std::fs::create_dir_all(dir).expect("create the mail folder");
    }
    let mut written = 0;
    let mut last_count = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if let Some(dir) = &dir {
            let mails = sink.mails();
            for mail in &mails[written..] {
                written += 1;
                let path = dir.join(format!("{written:06}.eml"));
                let tmp = dir.join(format!(".{written:06}.tmp"));
                std::fs::write(&tmp, &mail.data).expect("write a mail");
                std::fs::rename(&tmp, &path).expect("publish a mail");
            }
        }
        let count = sink.received();
        if count_only && count != last_count {
            println!("received {count}");
            last_count = count;
        }
    }
}
