//! Where deliveries may go. A webhook's URL is chosen by whoever subscribes, so without a
//! rule the server would POST wherever it is told: to its own admin endpoints on loopback,
//! to the cloud's metadata service, to the firm's intranet (server-side request forgery).
//! So a target must be http(s), and its host must not be, or resolve to, a loopback,
//! private, link-local or otherwise non-public address, unless the `allowed_webhook_hosts`
//! setting names the host (an integration on the firm's own network, a test receiver).
//!
//! The address check is made when a URL is registered, and again by the resolver each
//! time a connection is opened, so a name that later resolves to a private address (DNS
//! rebinding) is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use dossier_core::DomainError;
use url::{Host, Url};

/// The longest target URL accepted.
const MAX_URL_BYTES: usize = 2048;

/// The hosts `allowed_webhook_hosts` names: host names (compared without case) and IP
/// addresses.
#[derive(Debug, Default)]
pub struct Allowed {
    names: Vec<String>,
    addresses: Vec<IpAddr>,
}

impl Allowed {
    pub fn new(hosts: &[String]) -> Allowed {
        let mut allowed = Allowed::default();
        for host in hosts.iter().map(|h| h.trim()).filter(|h| !h.is_empty()) {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            match bare.parse::<IpAddr>() {
                Ok(ip) => allowed.addresses.push(ip),
                Err(_) => allowed.names.push(host.to_ascii_lowercase()),
            }
        }
        allowed
    }

    fn names(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// A URL deliveries may be sent to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target(Url);

impl Target {
    pub fn parse(text: &str, allowed: &Allowed) -> Result<Target, DomainError> {
        let invalid = |why: &str| DomainError::invalid("url", why.to_string());
        if text.len() > MAX_URL_BYTES {
            return Err(invalid(&format!(
                "a target URL is at most {MAX_URL_BYTES} bytes"
            )));
        }
        let url = Url::parse(text.trim()).map_err(|_| invalid("expected an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("a target URL must be http:// or https://"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "a target URL carries no user name or password; webhooks are signed instead",
            ));
        }
        let refused = || {
            invalid(
                "the target's host is a loopback, private or link-local address; \
                 an administrator can allow it with the allowed_webhook_hosts setting",
            )
        };
        match url.host() {
            None => return Err(invalid("a target URL needs a host")),
            Some(Host::Domain(name)) => {
                let local = name.eq_ignore_ascii_case("localhost")
                    || name.to_ascii_lowercase().ends_with(".localhost");
                if local && !allowed.names(name) {
                    return Err(refused());
                }
            }
            Some(Host::Ipv4(ip)) => {
                if !public(IpAddr::V4(ip)) && !allowed.addresses.contains(&IpAddr::V4(ip)) {
                    return Err(refused());
                }
            }
            Some(Host::Ipv6(ip)) => {
                if !public(IpAddr::V6(ip)) && !allowed.addresses.contains(&IpAddr::V6(ip)) {
                    return Err(refused());
                }
            }
        }
        Ok(Target(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Whether an address is on the public internet.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments and benchmarking, 192.0.0.0/24 and 198.18.0.0/15.
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        // Documentation 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Resolves target host names for the delivery client, keeping only public addresses
/// unless the name or the address is allowed.
#[derive(Debug)]
pub struct Resolver {
    allowed: Arc<Allowed>,
}

impl Resolver {
    pub fn new(allowed: Arc<Allowed>) -> Resolver {
        Resolver { allowed }
    }
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let named = allowed.names(&host);
            let usable: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| named || public(a.ip()) || allowed.addresses.contains(&a.ip()))
                .collect();
            if usable.is_empty() {
                return Err(format!(
                    "{host} resolves to no address a webhook may be sent to \
                     (loopback and private ranges need allowed_webhook_hosts)"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(usable.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str, allowed: &[&str]) -> Result<Target, DomainError> {
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        Target::parse(url, &Allowed::new(&allowed))
    }

    #[test]
    fn private_and_local_targets_need_the_setting() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://api.localhost/hook",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(parse(url, &[]).is_err(), "{url} is refused by default");
        }
        assert!(parse("http://127.0.0.1:9000/hook", &["127.0.0.1"]).is_ok());
        assert!(parse("http://localhost/hook", &["LOCALHOST"]).is_ok());
        assert!(parse("http://[::1]/", &["[::1]"]).is_ok());
        assert!(parse("http://10.1.2.3/", &["127.0.0.1"]).is_err());
    }

    #[test]
    fn only_plain_http_urls_to_public_hosts() {
        assert!(parse("https://hooks.example.com/in?x=1", &[]).is_ok());
        assert!(parse("http://93.184.216.34/in", &[]).is_ok());
        for url in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "example.com/hook",
            "https://user:pw@example.com/",
            "javascript:alert(1)",
        ] {
            assert!(parse(url, &[]).is_err(), "{url}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert!(parse(&long, &[]).is_err());
    }
}
