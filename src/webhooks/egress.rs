//! Where webhook deliveries may go. A webhook URL is chosen by a user, and meshgov runs inside the
//! governance account's network: without a guard, a receiver named `internal-db.corp` or
//! `127.0.0.1` would make meshgov send requests into that network (server-side request forgery).
//! Unless `MESHGOV_WEBHOOK_ALLOW_PRIVATE` is set, deliveries go only to public addresses: names are
//! resolved by [`PublicOnly`], which drops every non-public address, so a name that resolves (or
//! re-resolves, DNS rebinding) to a private one gets no connection at all.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long a receiver may take to answer; its body is never read.
const TIMEOUT: Duration = Duration::from_secs(10);

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), often internal in clouds.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking and reserved ranges.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unicast_link_local()
        // Unique local addresses (fc00::/7).
        || (first & 0xfe00) == 0xfc00
        // Documentation (2001:db8::/32).
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

/// A resolver that keeps only public addresses.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let why = format!("{host} resolves only to non-public addresses, which webhooks may not reach");
                return Err(why.into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The delivery client: connections reused; redirects never followed, so a receiver cannot point
/// meshgov's signed requests elsewhere; only public addresses unless `allow_private`.
pub fn client(allow_private: bool) -> &'static reqwest::Client {
    static PUBLIC: OnceLock<reqwest::Client> = OnceLock::new();
    static ANY: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if allow_private { &ANY } else { &PUBLIC };
    cell.get_or_init(|| {
        crate::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("meshgov-webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        builder.build().expect("HTTP client for webhooks")
    })
}

/// The host of `url` when it is a literal address that is not public (names are checked when
/// resolved).
pub fn literal_non_public(url: &reqwest::Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok()?;
    (!is_public(ip)).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_reserved_addresses_are_not_public() {
        for ip in [
            "10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "0.0.0.0", "100.64.0.1",
            "255.255.255.255", "::1", "::", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "52.95.110.1", "2600:1f18::1", "::ffff:52.95.110.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
