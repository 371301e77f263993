//! Keys and values as TOML writes them, for the messages of errors and warnings.

/// `text` as a TOML basic string: quoted, with `"`, `\` and control characters escaped.
fn quote(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A duration as written in TOML: `"1m 30s"`.
pub(crate) fn duration(d: std::time::Duration) -> String {
    format!("\"{}\"", humantime_serde::re::humantime::format_duration(d))
}

/// `["policy", "on_unhealthy", "0", "code"]` as `policy.on_unhealthy[0].code`; a key that
/// TOML must quote is quoted: `checks."feed.v2"`.
pub(crate) fn dotted<S: AsRef<str>>(path: &[S]) -> String {
    let mut key = String::new();
    for segment in path {
        let segment = segment.as_ref();
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            key.push_str(&format!("[{segment}]"));
            continue;
        }
        if !key.is_empty() {
            key.push('.');
        }
        let bare = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        match !segment.is_empty() && segment.bytes().all(bare) {
            true => key.push_str(segment),
            false => quote(segment, &mut key),
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dotted_with_bracketed_indices() {
        assert_eq!(
            dotted(&["policy", "on_unhealthy", "0", "code"]),
            "policy.on_unhealthy[0].code"
        );
        assert_eq!(dotted(&["ping"]), "ping");
        assert_eq!(
            dotted(&["checks", "feed.v2", "timeout"]),
            r#"checks."feed.v2".timeout"#
        );
        assert_eq!(dotted(&["checks", "a\"b\u{1b}"]), r#"checks."a\"b\u001B""#);
    }
}
