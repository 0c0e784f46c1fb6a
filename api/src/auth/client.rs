//! Where a request comes from: the TCP peer, or the address trusted proxies forwarded, and
//! whether it is inside the trusted networks (`CHORUS_TRUSTED_NETWORKS`). The voicemail
//! audio route and `Voicemail.audioUrl` read it; the metrics route uses it to admit scrapers.

use std::net::{IpAddr, SocketAddr};

use axum::{Extension, extract::ConnectInfo, http::HeaderMap};

use ipnet::IpNet;

use crate::config::NetworkSettings;

/// The client address for the trusted-network rule: the TCP peer, or what trusted proxies
/// forwarded (see [`client_address`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress {
    pub ip: Option<std::net::IpAddr>,
    /// True when `ip` is inside `CHORUS_TRUSTED_NETWORKS`.
    pub trusted: bool,
}

impl ClientAddress {
    /// Works out the client address of a request.
    pub fn of(
        network: &NetworkSettings,
        peer: Option<Extension<ConnectInfo<SocketAddr>>>,
        headers: &HeaderMap,
    ) -> Self {
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = peer.and_then(|Extension(ConnectInfo(addr))| {
            client_address(addr.ip(), &forwarded, &network.trusted_proxies)
        });
        Self {
            ip,
            trusted: is_trusted(ip, &network.trusted_networks),
        }
    }
}

/// The client's address as far as it can be believed.
///
/// The TCP peer is the client unless it is one of the configured proxies; then the
/// `X-Forwarded-For` list is read from the right (the hop nearest to us), skipping further
/// trusted proxies, and the first address that is not a proxy is the client. A header from an
/// untrusted peer is ignored (anyone can write one). `None` when a proxy forwarded a value that
/// does not parse, or forwarded no header at all: the address is unknown, so not trusted.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = peer.to_canonical();
    let is_proxy = |ip: &IpAddr| proxies.iter().any(|n| n.contains(ip));
    if !is_proxy(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    let mut last = None;
    for hop in hops.iter().rev() {
        let ip = parse_hop(hop)?.to_canonical();
        if !is_proxy(&ip) {
            return Some(ip);
        }
        last = Some(ip);
    }
    // Every hop was a proxy: the leftmost is the nearest to the client we know of.
    last
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

/// True when the address is inside one of the trusted networks.
pub fn is_trusted(address: Option<IpAddr>, networks: &[IpNet]) -> bool {
    address.is_some_and(|ip| networks.iter().any(|n| n.contains(&ip.to_canonical())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(s: &str) -> Vec<IpNet> {
        crate::config::parse_networks(s).expect("valid CIDRs")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_proxies() {
        let proxies = nets("10.9.0.0/16");
        // A direct client: its own address, whatever header it sends.
        assert_eq!(
            client_address(ip("192.0.2.7"), &["10.8.0.5"], &proxies),
            Some(ip("192.0.2.7"))
        );
        // Through the proxy: the rightmost hop that is not a proxy.
        assert_eq!(
            client_address(ip("10.9.0.1"), &["203.0.113.9, 10.8.0.5"], &proxies),
            Some(ip("10.8.0.5"))
        );
        // Two proxies in a row, headers split over two lines, a port on a hop.
        assert_eq!(
            client_address(ip("10.9.0.1"), &["10.8.0.5:5123", "10.9.0.2"], &proxies),
            Some(ip("10.8.0.5"))
        );
        // A proxy that forwards rubbish, or nothing: unknown.
        assert_eq!(
            client_address(ip("10.9.0.1"), &["not-an-ip"], &proxies),
            None
        );
        assert_eq!(client_address(ip("10.9.0.1"), &[], &proxies), None);
        // IPv4-mapped IPv6 peers are IPv4.
        assert_eq!(
            client_address(ip("::ffff:192.0.2.7"), &[], &proxies),
            Some(ip("192.0.2.7"))
        );
    }

    #[test]
    fn trusted_networks() {
        let vpn = nets("10.8.0.0/16, 2001:db8::/32");
        assert!(is_trusted(Some(ip("10.8.3.4")), &vpn));
        assert!(is_trusted(Some(ip("::ffff:10.8.3.4")), &vpn));
        assert!(is_trusted(Some(ip("2001:db8::5")), &vpn));
        assert!(!is_trusted(Some(ip("10.9.3.4")), &vpn));
        assert!(!is_trusted(None, &vpn));
        assert!(!is_trusted(Some(ip("10.8.3.4")), &[]));
    }
}
