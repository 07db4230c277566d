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
    /// A page with a per-request value (the signup form's stamp) in it.
    pub slot: Option<Slot>,
}

/// A prerendered page with a hole of fixed length that each request fills (the form's
/// time stamp). Why this shape: the page stays prerendered and compressed once; a
/// request costs a copy and a CRC-32, not a render or a compression. The gzip form is
/// three raw DEFLATE pieces: the part before the hole (ended by a sync flush, so it
/// stops on a byte boundary), the hole as a stored block written per request, and the
/// part after it (the final block), then the gzip trailer (CRC-32 and length of the
/// whole). Brotli streams cannot be joined this way, so these pages offer gzip only.
#[derive(Debug, Clone)]
pub struct Slot {
    before: Bytes,
    after: Bytes,
    hole_len: usize,
    gzip_before: Bytes,
    gzip_after: Bytes,
}

impl Slot {
    fn new(before: &[u8], after: &[u8], hole_len: usize) -> Option<Self> {
        use flate2::write::DeflateEncoder;
        let mut head = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        head.write_all(before).ok()?;
        head.flush().ok()?; // a sync flush: byte-aligned, not final
        let gzip_before = head.get_ref().clone();
        let mut tail = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        tail.write_all(after).ok()?;
        let gzip_after = tail.finish().ok()?;
        Some(Self {
            before: Bytes::copy_from_slice(before),
            after: Bytes::copy_from_slice(after),
            hole_len,
            gzip_before: Bytes::from(gzip_before),
            gzip_after: Bytes::from(gzip_after),
        })
    }

    /// The page with `value` in the hole (`value` must have the hole's length, or the
    /// page is served with the placeholder's length padded/cut to fit).
    pub fn identity(&self, value: &str) -> Bytes {
        let value = fit(value, self.hole_len);
        let mut out = Vec::with_capacity(self.before.len() + value.len() + self.after.len());
        out.extend_from_slice(&self.before);
        out.extend_from_slice(&value);
        out.extend_from_slice(&self.after);
        Bytes::from(out)
    }

    /// The same bytes, gzip-encoded.
    pub fn gzip(&self, value: &str) -> Bytes {
        let value = fit(value, self.hole_len);
        let mut crc = flate2::Crc::new();
        crc.update(&self.before);
        crc.update(&value);
        crc.update(&self.after);
        let total = (self.before.len() + value.len() + self.after.len()) as u32;
        let mut out = Vec::with_capacity(self.gzip_before.len() + self.gzip_after.len() + 64);
        // gzip header: magic, deflate, no flags, no time, no extra flags, unknown OS.
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        out.extend_from_slice(&self.gzip_before);
        // A stored block (not final): header byte, then LEN and its complement.
        let len = value.len() as u16;
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(&value);
        out.extend_from_slice(&self.gzip_after);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&total.to_le_bytes());
        Bytes::from(out)
    }
}

fn fit(value: &str, len: usize) -> Vec<u8> {
    let mut bytes = value.as_bytes().to_vec();
    bytes.resize(len, b' ');
    bytes
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
            slot: None,
        }
    }

    /// Like `new`, but when `placeholder` is in `body`, its first occurrence becomes a
    /// [`Slot`] filled per request.
    pub fn with_slot(content_type: &'static str, body: Vec<u8>, placeholder: &str) -> Self {
        let hole = body
            .windows(placeholder.len())
            .position(|w| w == placeholder.as_bytes());
        let slot = hole.and_then(|at| {
            Slot::new(
                &body[..at],
                &body[at + placeholder.len()..],
                placeholder.len(),
            )
        });
        match slot {
            Some(slot) => Self {
                slot: Some(slot),
                ..Self::new_uncompressed(content_type, body)
            },
            None => Self::new(content_type, body),
        }
    }

    fn new_uncompressed(content_type: &'static str, body: Vec<u8>) -> Self {
        let tag = hex::encode(&Sha256::digest(&body)[..12]);
        Self {
            content_type,
            identity: Variant {
                body: Bytes::from(body),
                etag: format!("\"{tag}\""),
            },
            gzip: None,
            brotli: None,
            slot: None,
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
    fn a_slotted_page_is_filled_per_request_and_its_gzip_decodes_to_the_same_bytes() {
        use std::io::Read;
        let page = format!("{}HOLE-HOLE!{}", "head ".repeat(300), "tail ".repeat(300));
        let c = Compressed::with_slot("text/html", page.into_bytes(), "HOLE-HOLE!");
        let slot = c.slot.as_ref().unwrap();
        let identity = slot.identity("0123456789");
        let expected = format!("{}0123456789{}", "head ".repeat(300), "tail ".repeat(300));
        assert_eq!(identity, expected.as_bytes());
        let gz = slot.gzip("0123456789");
        assert!(gz.len() < identity.len() / 4);
        // An independent decoder (flate2's multi-member gzip reader checks CRC and size).
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, expected);
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
