//! `quietlist serve` as its own process with its metrics listener, for the operations
//! tests: the metrics recorder is global to a process, so each test gets its own.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::time::Duration;

use crate::helpers::serve_command;

/// A served binary: its public origin and, when asked for, its metrics origin.
pub struct ServedNode {
    pub child: std::process::Child,
    pub base_url: String,
    pub metrics_url: Option<String>,
}

impl ServedNode {
    /// Starts `quietlist serve` on `data_dir` with bare form posts allowed and `env` on top.
    pub fn start(data_dir: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let mut command = serve_command(data_dir, env);
        if !env.iter().any(|(k, _)| *k == "QUIETLIST_FORM_MIN_SECONDS") {
            command.env("QUIETLIST_FORM_MIN_SECONDS", "0");
        }
        let mut child = command.spawn().expect("start quietlist");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                    && event["fields"]["message"] == "quietlist is serving"
                    && let Some(tx) = tx.take()
                {
                    let fields = &event["fields"];
                    let _ = tx.send((
                        fields["address"].as_str().unwrap_or("").to_owned(),
                        fields["metrics"].as_str().unwrap_or("off").to_owned(),
                    ));
                }
            }
        });
        let (address, metrics) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("quietlist starts within 30 s");
        Self {
            child,
            base_url: format!("http://{address}"),
            metrics_url: (metrics != "off").then(|| format!("http://{metrics}")),
        }
    }

    /// The scrape, parsed.
    pub async fn scrape(&self) -> Scrape {
        let url = format!(
            "{}/metrics",
            self.metrics_url.as_deref().expect("started with metrics")
        );
        let response = reqwest::get(url).await.expect("scrape");
        assert_eq!(response.status().as_u16(), 200);
        Scrape::parse(&response.text().await.unwrap())
    }
}

impl Drop for ServedNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One sample of the Prometheus text format.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Clone)]
pub struct Scrape {
    pub text: String,
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// Parses the text exposition format (`name{k="v",...} value`), failing the test on a
    /// line that is not.
    pub fn parse(text: &str) -> Self {
        let mut samples = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("`series value`");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), BTreeMap::new()),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').expect("labels end with }");
                    (name.to_owned(), parse_labels(body, line))
                }
            };
            samples.push(Sample {
                name,
                labels,
                value,
            });
        }
        Self {
            text: text.to_owned(),
            samples,
        }
    }

    /// The sum of the samples named `name` whose labels include `labels` (0 when none).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }

    pub fn has(&self, name: &str) -> bool {
        self.samples.iter().any(|s| s.name == name)
    }
}

fn parse_labels(body: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label=\"value\": {line}"));
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(if escaped == 'n' { '\n' } else { escaped });
                    }
                }
                '"' => {
                    end = Some(i);
                    break;
                }
                other => value.push(other),
            }
        }
        let end = end.unwrap_or_else(|| panic!("an unterminated label: {line}"));
        labels.insert(key.trim_start_matches(',').to_owned(), value);
        rest = after[end + 1..].trim_start_matches(',');
    }
    labels
}
