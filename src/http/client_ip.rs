//! The client's address: the TCP peer, or, behind a reverse proxy the owner trusts
//! (`QUIETLIST_TRUST_PROXY=on`), the last hop the proxy recorded in `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The client's address. Behind a trusted proxy, the last element of the last
/// `X-Forwarded-For` line: a request may carry several lines (a client can send its own,
/// and a proxy may add a line rather than append to one), and only what the proxy wrote
/// last is true. When that element is unreadable, the peer is used, never an earlier,
/// client-written element.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trust_proxy: bool) -> IpAddr {
    if trust_proxy
        && let Some(forwarded) = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|last| last.trim().parse::<IpAddr>().ok())
    {
        return forwarded;
    }
    peer.ip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_used_only_when_trusted_and_only_its_last_hop() {
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 198.51.100.7".parse().unwrap());
        assert_eq!(client_ip(peer, &headers, false), peer.ip());
        assert_eq!(client_ip(peer, &headers, true).to_string(), "198.51.100.7");
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_ip(peer, &headers, true), peer.ip());
    }

    #[test]
    fn the_last_hop_is_the_last_element_of_the_last_forwarded_for_line() {
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        // A client sent its own line; the proxy added another rather than appending.
        headers.append("x-forwarded-for", "6.6.6.6".parse().unwrap());
        headers.append(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        assert_eq!(client_ip(peer, &headers, true).to_string(), "198.51.100.7");
        // An unreadable last hop is not replaced by an earlier, client-written one.
        headers.append("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_ip(peer, &headers, true), peer.ip());
    }
}
