//! The targets reached directly whatever the environment's proxy: those `no_proxy` lists,
//! and loopback ones.

use std::net::IpAddr;

/// Whether `host` is `localhost` or a loopback address (127.0.0.0/8, `::1`, or 127.x
/// mapped into IPv6), which Go's `net/http` never sends through a proxy.
pub(super) fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => v4.is_loopback(),
            Ok(IpAddr::V6(v6)) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            Err(_) => false,
        }
}

/// Whether the comma-separated `list` (`no_proxy`) names `host`:`port`: `*` names every
/// host; an entry names a host and the domain's hosts under it, with or without a leading
/// `.` or `*.` (as curl and Python read it); an IP address or an `address/bits` block names
/// addresses; an entry with a `:port` (`[v6]:port`) names that port alone. Case ignored.
pub(super) fn lists(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| names(&entry.to_ascii_lowercase(), &host, ip, port))
}

fn names(entry: &str, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    let (pattern, entry_port) = split_port(entry);
    if entry_port.is_some_and(|p| p != Some(port)) {
        return false;
    }
    if let Some(ip) = ip {
        return match pattern.split_once('/') {
            Some((network, bits)) => in_block(ip, network, bits),
            None => pattern.parse::<IpAddr>() == Ok(ip),
        };
    }
    let domain = pattern.trim_start_matches('*').trim_start_matches('.');
    let domain = domain.trim_end_matches('.');
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.ends_with('.')))
}

/// The entry's host and its port, if it has one (`Some(None)` for a port that is no number,
/// which names no target).
fn split_port(entry: &str) -> (&str, Option<Option<u16>>) {
    if let Some(v6) = entry.strip_prefix('[') {
        return match v6.split_once(']') {
            Some((address, "")) => (address, None),
            Some((address, port)) => (address, Some(port.strip_prefix(':').and_then(port_of))),
            None => (entry, None),
        };
    }
    match entry.split_once(':') {
        // One colon: host:port. More: an IPv6 address, which needs brackets for a port.
        Some((host, port)) if !port.contains(':') => (host, Some(port_of(port))),
        _ => (entry, None),
    }
}

fn port_of(text: &str) -> Option<u16> {
    text.parse().ok()
}

/// Whether `ip` is in the block `network`/`bits`.
fn in_block(ip: IpAddr, network: &str, bits: &str) -> bool {
    let Ok(bits) = bits.parse::<u32>() else {
        return false;
    };
    match (ip, network.parse::<IpAddr>()) {
        (IpAddr::V4(ip), Ok(IpAddr::V4(network))) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), Ok(IpAddr::V6(network))) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::lists;
    use crate::fuzz::{no_panic, Rng};

    #[test]
    fn odd_entries_name_what_the_docs_say_and_no_more() {
        let v4 = "10.1.2.3";
        for (list, host, port, named) in [
            ("  *  ", "feed.example", 80, true),
            ("a, ,,*", "feed.example", 80, true),
            ("*:80", "feed.example", 80, false),
            (",,, ,", "feed.example", 80, false),
            (".", "feed.example", 80, false),
            ("*.", "feed.example", 80, false),
            ("..example", "feed.example", 80, true),
            ("*.example", "example", 80, true),
            ("FEED.EXAMPLE.", "feed.example", 80, true),
            ("feed.example:", "feed.example", 80, false),
            ("feed.example:abc", "feed.example", 80, false),
            ("feed.example:99999", "feed.example", 80, false),
            ("feed.example:443", "feed.example", 443, true),
            ("10.0.0.0/8", v4, 80, true),
            ("10.0.0.0/33", v4, 80, false),
            ("10.0.0.0/-1", v4, 80, false),
            ("10.0.0.0/", v4, 80, false),
            ("10.0.0.0/x", v4, 80, false),
            ("0.0.0.0/0", v4, 80, true),
            ("10.1.2.3/32", v4, 80, true),
            ("10.1.2.3:80", v4, 80, true),
            ("10.1.2.3:81", v4, 80, false),
            ("2.3", v4, 80, false),
            ("::/0", "fd12::1", 80, true),
            ("::/129", "fd12::1", 80, false),
            ("fd00::/8", "10.1.2.3", 80, false),
            ("10.0.0.0/8", "fd12::1", 80, false),
            ("[fd12::1]", "fd12::1", 80, true),
            ("[fd12::1]:", "fd12::1", 80, false),
            ("[fd12::1", "fd12::1", 80, false),
            ("FD12::1", "fd12::1", 80, true),
            ("bücher.example", "bücher.example", 80, true),
            ("ü", "feed.example", 80, false),
            ("xample", "feed.example", 80, false),
        ] {
            assert_eq!(lists(list, host, port), named, "{list:?} for {host}:{port}");
        }
    }

    /// Random lists and hosts: never a panic; a list names what one of its entries names; `*`
    /// names all; a host's own name names it; an entry's port is the only one it names.
    #[test]
    fn random_lists_never_panic_and_name_what_an_entry_names() {
        let pieces = [
            "*", ".", "*.", "feed", "example", "Feed", "10", "0", "1", "::", "fd12", "[", "]", ":",
            ":80", ":443", ":+80", "/", "/8", "/0", "/33", "/129", "/-1", " ", "ü", "\0",
        ];
        let hosts = [
            "feed.example",
            "example",
            "10.1.2.3",
            "0.0.0.0",
            "fd12::1",
            "::1",
            "feed.example.",
        ];
        let mut rng = Rng::new(0x5eed_0003);
        for _ in 0..100_000 {
            let entries: Vec<String> = (0..rng.below(4)).map(|_| rng.text(&pieces, 5)).collect();
            let list = entries.join(",");
            let host = *rng.pick(&hosts);
            let port = *rng.pick(&[80, 443, 8080]);
            let named = no_panic(&(&list, host), || lists(&list, host, port));
            let by_entry = entries.iter().any(|entry| lists(entry, host, port));
            assert_eq!(named, by_entry, "{list:?} for {host}:{port}");
            let with_star = format!("{list},*");
            assert!(lists(&with_star, host, port), "{with_star:?}");
            let with_host = format!("{list}, {}", host.to_ascii_uppercase());
            assert!(lists(&with_host, host, port), "{with_host:?} for {host}");
            let other_port = format!("{list},{host}:1");
            let other_port = other_port.replace("fd12::1:1", "[fd12::1]:1");
            let other_port = other_port.replace(",::1:1", ",[::1]:1");
            assert_eq!(lists(&other_port, host, port), named, "{other_port:?}");
        }
    }
}
