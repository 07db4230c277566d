//! A response body kept in memory in identity, gzip and brotli forms, with strong ETags,
//! so serving a page is a hash-map look-up and a copy.

use std::io::Write;

use bytes::Bytes;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }

    /// The best encoding the client accepts (brotli, then gzip, then none). Honours
    /// `q=0`; other q-values are treated as "acceptable".
    pub fn negotiate(accept_encoding: Option<&str>) -> Self {
        let Some(header) = accept_encoding else {
            return Self::Identity;
        };
        let accepts = |wanted: &str| {
            header.split(',').any(|item| {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                (name.eq_ignore_ascii_case(wanted) || name == "*") && !refused
            })
        };
        if accepts("br") {
            Self::Brotli
        } else if accepts("gzip") {
            Self::Gzip
        } else {
            Self::Identity
        }
    }
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub body: Bytes,
    pub etag: String,
}

#[derive(Debug, Clone)]
pub struct Compressed {
    pub content_type: &'static str,
    pub identity: Variant,
    pub gzip: Option<Variant>,
    pub brotli: Option<Variant>,
}

/// Bodies smaller than this are not worth compressing.
const MIN_COMPRESS: usize = 512;

impl Compressed {
    pub fn new(content_type: &'static str, body: Vec<u8>) -> Self {
        let digest = Sha256::digest(&body);
        let tag = hex::encode(&digest[..12]);
        let compressible = body.len() >= MIN_COMPRESS && !content_type.starts_with("image/png");
        let gzip = compressible
            .then(|| gzip(&body))
            .flatten()
            .filter(|z| z.len() < body.len())
            .map(|z| Variant {
                body: Bytes::from(z),
                etag: format!("\"{tag}-gz\""),
            });
        let brotli = compressible
            .then(|| brotli(&body))
            .flatten()
            .filter(|z| z.len() < body.len())
            .map(|z| Variant {
                body: Bytes::from(z),
                etag: format!("\"{tag}-br\""),
            });
        Self {
            content_type,
            identity: Variant {
                body: Bytes::from(body),
                etag: format!("\"{tag}\""),
            },
            gzip,
            brotli,
        }
    }

    /// The variant to send for this `Accept-Encoding`, and its encoding.
    pub fn pick(&self, accept_encoding: Option<&str>) -> (&Variant, Encoding) {
        match Encoding::negotiate(accept_encoding) {
            Encoding::Brotli => match (&self.brotli, &self.gzip) {
                (Some(b), _) => (b, Encoding::Brotli),
                (None, Some(g)) => (g, Encoding::Gzip),
                _ => (&self.identity, Encoding::Identity),
            },
            Encoding::Gzip => match &self.gzip {
                Some(g) => (g, Encoding::Gzip),
                None => (&self.identity, Encoding::Identity),
            },
            Encoding::Identity => (&self.identity, Encoding::Identity),
        }
    }

    /// Whether `If-None-Match` names any of this body's ETags (so a cache holding another
    /// encoding of the same bytes also gets a 304).
    pub fn matches(&self, if_none_match: &str) -> bool {
        let tags = [
            Some(&self.identity.etag),
            self.gzip.as_ref().map(|v| &v.etag),
            self.brotli.as_ref().map(|v| &v.etag),
        ];
        if_none_match.trim() == "*"
            || if_none_match.split(',').any(|candidate| {
                let candidate = candidate.trim().trim_start_matches("W/");
                tags.iter().flatten().any(|t| t.as_str() == candidate)
            })
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    // A 256 KiB window covers any page; the default 4 MiB one costs tens of MB of memory
    // at quality 11 for nothing.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 18,
        size_hint: body.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_brotli_and_honours_q_zero() {
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
        assert_eq!(
            Encoding::negotiate(Some("gzip, deflate, br")),
            Encoding::Brotli
        );
        assert_eq!(Encoding::negotiate(Some("gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("br;q=0, gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("identity")), Encoding::Identity);
    }

    #[test]
    fn variants_have_distinct_strong_etags_and_304_matching() {
        let page = Compressed::new("text/html", "hello world ".repeat(200).into_bytes());
        let (br, enc) = page.pick(Some("br"));
        assert_eq!(enc, Encoding::Brotli);
        assert!(br.body.len() < page.identity.body.len());
        assert_ne!(br.etag, page.identity.etag);
        assert!(page.matches(&page.identity.etag));
        assert!(page.matches(&format!("\"x\", {}", br.etag)));
        assert!(!page.matches("\"nope\""));
    }
}
