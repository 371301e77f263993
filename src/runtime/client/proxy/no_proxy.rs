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
