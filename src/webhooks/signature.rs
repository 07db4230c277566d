//! `Quietlist-Signature: t=UNIX,v1=HEX`, where HEX is the HMAC-SHA256 of `"{t}.{body}"`
//! under the webhook's whole secret (`whsec_...`, as printed). The time stamp lets a
//! receiver refuse an old delivery played again.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "Quietlist-Signature";

/// The header's value for `body` sent at `unix_seconds`.
pub fn header_value(secret: &str, unix_seconds: i64, body: &[u8]) -> anyhow::Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| anyhow::anyhow!("HMAC key setup failed for a webhook signature"))?;
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "t={unix_seconds},v1={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_the_time_a_dot_and_the_body() {
        // Computed independently with
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            header_value("whsec_test", 1_700_000_000, br#"{"a":1}"#).unwrap(),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}
