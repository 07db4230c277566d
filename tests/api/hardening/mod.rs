//! Issue 9, hole 3 and the smaller holes of item 8: each test here failed on the code
//! before its fix (the commit that added it says how).

mod connections;
mod csv;
mod input;
mod keys;
mod owner;
mod site;
mod smtp;

use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use crate::helpers::*;

/// How a `quietlist serve` ended: it refused (exit code and what it printed), or it
/// started serving (then it was stopped here).
#[derive(Debug)]
pub enum Start {
    Refused { code: Option<i32>, stderr: String },
    Served,
}

pub fn serve(data_dir: &Path, env: &[(&str, &str)]) -> Start {
    let mut child = serve_command(data_dir, env)
        .spawn()
        .expect("start quietlist");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("quietlist is serving") {
                let _ = tx.send(None);
                return;
            }
            text.push_str(&line);
            text.push('\n');
        }
        let _ = tx.send(Some(text));
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Some(stderr)) => {
            let status = child.wait().expect("quietlist ended");
            Start::Refused {
                code: status.code(),
                stderr,
            }
        }
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            Start::Served
        }
    }
}
