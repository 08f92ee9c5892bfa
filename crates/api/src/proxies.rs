//! The client's address behind reverse proxies. A firm's TLS-terminating proxy connects to
//! Dossier itself, so the TCP peer is the proxy's address for every user: sign-in throttling
//! would then block the whole firm for one script's failures, and audit records would name
//! the proxy. The proxies the operator lists (`trusted_proxies`) may say who their client
//! was in `X-Forwarded-For` or `Forwarded` (RFC 7239); nobody else may, since any client can
//! write those headers.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses and CIDR ranges (`10.0.0.0/8, 192.168.1.10, ::1`); empty
    /// means none.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("'{s}' is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the
    /// nearest hop of its forwarding chain that is not itself a trusted proxy. The chain is
    /// read from the right, the end the trusted proxies wrote: entries to the left of an
    /// untrusted hop may have been written by the client itself. A chain that cannot be read
    /// leaves the peer's address.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let Some(chain) = forwarded_chain(headers) else {
            return peer;
        };
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        return client;
                    }
                }
                // An obfuscated or malformed hop: nothing beyond it can be believed.
                None => return client,
            }
        }
        client
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, what a dual-stack listener reports)
/// is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The hops of `Forwarded` (its `for=` parameters), else of `X-Forwarded-For`, in order;
/// `None` for a hop that is not an IP address. `None` when neither header is there.
fn forwarded_chain(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return Some(
            forwarded
                .iter()
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.trim().split_once('='))
                        .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, v)| node_address(v.trim().trim_matches('"')))
                })
                .collect(),
        );
    }
    let xff = values("x-forwarded-for");
    (!xff.is_empty()).then(|| xff.iter().map(|hop| node_address(hop)).collect())
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    node.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.10").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &h), ip("203.0.113.7"));
        assert_eq!(
            proxies.client(ip("::ffff:192.168.1.10"), &h),
            ip("203.0.113.7")
        );
        // Anyone else's header is ignored.
        assert_eq!(proxies.client(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        assert_eq!(
            TrustedProxies::default().client(ip("10.1.2.3"), &h),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn the_chain_is_read_from_the_proxies_end() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // The client wrote a spoofed first entry; the proxy appended the real address.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.0.0.2")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &h), ip("203.0.113.7"));
        let h = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https",
        )]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &h), ip("2001:db8::7"));
        let h = headers(&[("x-forwarded-for", "203.0.113.7, garbage")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        // Only proxies all the way: the leftmost.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &h), ip("10.9.9.9"));
    }

    #[test]
    fn a_bad_entry_is_named() {
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
        let e = TrustedProxies::parse("10.0.0.0/8, proxy.internal").unwrap_err();
        assert!(e.contains("proxy.internal"), "{e}");
    }
}
