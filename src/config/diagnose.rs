//! Messages that name the key, the bad value and where it came from.
//!
//! Figment knows the source of every value (its [`Metadata`]) and the path of every
//! deserialization error; this module turns both, and validation [`Problem`]s, into one
//! line each: ``"`ping.interval` = "-5s": expected a duration … (from TOML file
//! ws-health.toml, key `ping.interval`)"``.

use figment::error::{Actual, Kind};
use figment::value::Value;
use figment::{Figment, Metadata, Profile, Source};

use super::env;
use super::suggest::nearest;
use super::validate::Problem;
use super::written::dotted;
use crate::Error;

/// A figment extraction error as a ws-health error, keeping figment's as the source.
/// `context` follows "invalid configuration", e.g. ` in profile `staging``.
pub(crate) fn figment_error(figment: &Figment, err: figment::Error, context: &str) -> Error {
    let lines: Vec<String> = err.clone().into_iter().map(|e| line(figment, &e)).collect();
    Error::config(message(context, &lines)).with_source(err)
}

/// Validation problems as one ws-health error, each line with its value's source.
pub(crate) fn problems(figment: &Figment, problems: &[Problem], context: &str) -> Error {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("{p} ({})", sources(figment, p)))
        .collect();
    Error::config(message(context, &lines))
}

/// Where a problem's value came from, and each related key's value when it came from
/// elsewhere: `from environment variable `…`; `client.backoff.initial` from …`.
pub(crate) fn sources(figment: &Figment, problem: &Problem) -> String {
    let same = |md: &Metadata, other: &Metadata| md.name == other.name && md.source == other.source;
    let own = provider(figment, &problem.path);
    let mut out = locate(figment, &problem.path);
    for path in &problem.related {
        let theirs = provider(figment, path);
        let whole = |found: usize, path: &[String]| found == path.len();
        if let (Some((own, _, a)), Some((theirs, _, b))) = (&own, &theirs) {
            // Keys no source has are the defaults', wherever their table came from.
            if whole(*a, &problem.path) && whole(*b, path) && same(own, theirs) {
                continue; // the same file, the same defaults
            }
        }
        out.push_str(&format!("; `{}` {}", dotted(path), locate(figment, path)));
    }
    out
}

fn message(context: &str, lines: &[String]) -> String {
    match lines {
        [line] => format!("invalid configuration{context}: {line}"),
        lines => format!("invalid configuration{context}:\n  {}", lines.join("\n  ")),
    }
}

/// Where the value at `path` came from: its source; for a key no source has (a field of a
/// table only some of whose keys a file or the environment sets), the defaults: figment
/// tags a table with the last source merged into it, which may not have set this key.
pub(crate) fn locate(figment: &Figment, path: &[String]) -> String {
    match provider(figment, path) {
        Some((md, profile, found)) if found == path.len() => origin(md, &profile, path),
        Some(_) => "from the defaults".into(),
        None => "source unknown".into(),
    }
}

/// The provider the value at `path`, or the deepest one on the way there, came from; the
/// profile it was read in; and how many keys of `path` that value is at.
fn provider<'a>(figment: &'a Figment, path: &[String]) -> Option<(&'a Metadata, Profile, usize)> {
    let root = figment.find_value("").ok()?;
    let (found, value) = (0..=path.len())
        .rev()
        .find_map(|n| Some((n, find(&root, &path[..n])?)))
        .unwrap_or((0, &root));
    let tag = value.tag();
    // A tag knows default, global or custom; a custom profile's name is the selected one.
    let profile = tag.profile().unwrap_or_else(|| figment.profile().clone());
    Some((figment.get_metadata(tag)?, profile, found))
}

/// `from TOML file ws-health.toml, key `staging.ping.interval``, or
/// `from environment variable `WS_HEALTH_PING__INTERVAL``.
pub(crate) fn origin<S: AsRef<str>>(md: &Metadata, profile: &Profile, path: &[S]) -> String {
    let key = md.interpolate(profile, path);
    match &md.source {
        Some(source) if path.is_empty() => format!("in {} {source}", md.name),
        // Of no one key: a variable's name that is no key at all.
        None if path.is_empty() => format!("among the {}s", md.name),
        Some(source @ Source::File(_)) => format!("from {} {source}, key `{key}`", md.name),
        Some(source) => format!("from {} at {source}, key `{key}`", md.name),
        None => format!("from {} `{key}`", md.name),
    }
}

fn line(figment: &Figment, e: &figment::Error) -> String {
    let mut path = e.path.clone();
    // Fields of an internally tagged enum (an action) come without the field in the path:
    // the unknown key's name, or the one key of the table that holds the bad value.
    match &e.kind {
        Kind::UnknownField(field, _) if path.last() != Some(field) => path.push(field.clone()),
        Kind::InvalidType(actual, _) | Kind::InvalidValue(actual, _) => {
            path.extend(key_holding(figment, &path, &render_actual(actual)));
        }
        Kind::UnknownVariant(variant, _) => {
            path.extend(key_holding(figment, &path, &format!("{variant:?}")));
        }
        _ => {}
    }
    let origin = match &e.metadata {
        Some(md) => origin(md, e.profile.as_ref().unwrap_or(&Profile::Default), &path),
        None => locate(figment, &path),
    };
    if let (Kind::InvalidType(Actual::Map, _), Some(table)) =
        (&e.kind, table_written_as_array(&path))
    {
        let key = dotted(table);
        return format!("`{key}` is a table: write `[{key}]`, not `[[{key}]]` ({origin})");
    }
    let in_a_variable = e.metadata.as_ref().is_some_and(|md| md.name == env::NAME);
    let mut what = match (&e.kind, nested_meant(&path)) {
        (Kind::UnknownField(field, _), Some(meant)) if field.contains('.') => format!(
            "unknown key: quoted, its dots are part of one key; did you mean `{}`, unquoted?",
            dotted(&meant)
        ),
        (Kind::UnknownField(..), Some(meant)) => {
            let var = match in_a_variable {
                true => format!(", which a variable sets as `{}`", env::var_name(&meant)),
                false => String::new(),
            };
            format!("unknown key; did you mean `{}`{var}?", dotted(&meant))
        }
        _ => explain(&e.kind, &path),
    };
    // figment reads a variable's value as an array only if it parses as one; else as text.
    if let (true, Kind::InvalidType(Actual::Str(_), expected)) = (in_a_variable, &e.kind) {
        if expected.contains("sequence") {
            what.push_str(
                "; the variable did not parse as an array, so it was read as text (an array \
                 is written `[a, b]`, strings quoted: `[4001, \"4100-4199\"]`)",
            );
        }
    }
    if path.is_empty() {
        // A provider's own message (a file it cannot read) may name its source already.
        let source = e.metadata.as_ref().and_then(|md| md.source.as_ref());
        if source.is_some_and(|source| what.contains(&source.to_string())) {
            return what;
        }
        return format!("{what} ({origin})");
    }
    let value = match &e.kind {
        Kind::InvalidType(actual, _) | Kind::InvalidValue(actual, _) => render_actual(actual),
        Kind::UnknownVariant(variant, _) => format!("{variant:?}"),
        _ => figment
            .find_value("")
            .ok()
            .and_then(|root| find(&root, &path).map(render))
            .unwrap_or_else(|| "(absent)".into()),
    };
    format!("`{}` = {value}: {what} ({origin})", dotted(&path))
}

fn explain(kind: &Kind, path: &[String]) -> String {
    match kind {
        // An action that takes no keys besides `action` (reconnect).
        Kind::UnknownField(_, []) => "unknown key; this takes no keys".into(),
        Kind::UnknownField(field, expected) => format!(
            "unknown key{}; the keys here are {}",
            did_you_mean(field, expected),
            list(expected)
        ),
        Kind::UnknownVariant(variant, expected) => {
            let what = match path.last().map(String::as_str) {
                Some("action") => "action",
                _ => "value",
            };
            format!(
                "unknown {what}{}; expected one of {}",
                did_you_mean(variant, expected),
                list(expected)
            )
        }
        // One action on its own, where a list of them belongs.
        Kind::InvalidType(_, expected) if expected.contains("sequence") && is_actions(path) => {
            "expected a list of actions, like `[{ action = \"close\", code = 1011 }]` or \
             `[{ action = \"log\" }]`"
                .into()
        }
        // A number or a list where a name belongs: serde says "expected variant identifier",
        // or for a log level "expected string or map".
        Kind::InvalidType(_, expected)
            if expected == "variant identifier"
                || (expected == "string or map" && names_expected(path).is_some()) =>
        {
            match names_expected(path) {
                Some(names) => format!("expected one of {}", list(names)),
                None if path.iter().any(|p| is_actions(std::slice::from_ref(p))) => {
                    "expected an action, like `{ action = \"close\", code = 1011 }`".into()
                }
                None => "expected a name, written as text".into(),
            }
        }
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            let mut what = format!("expected {}", in_words(expected));
            if expected.contains("duration") {
                what.push_str(" with a unit, like \"10s\", \"250ms\" or \"1m 30s\"");
                let negative = match actual {
                    Actual::Str(s) => s.trim_start().starts_with('-'),
                    Actual::Signed(n) => *n < 0,
                    Actual::Float(f) => *f < 0.0,
                    _ => false,
                };
                if negative {
                    what.push_str(
                        "; a duration cannot be negative (to turn a check off, set \
                         `enabled = false`)",
                    );
                } else if let Actual::Str(text) = actual {
                    // What in it is wrong: an unknown unit, a number too large, …
                    if let Err(err) = humantime_serde::re::humantime::parse_duration(text) {
                        what.push_str(&format!(": {err}"));
                    }
                }
            }
            what
        }
        other => other.to_string(),
    }
}

/// What serde expected, in the configuration reference's words rather than Rust's: `u32` is
/// a whole number up to 4294967295, `f64` a number, `struct CheckSettings` a table. The
/// widest counts go up to the largest integer TOML holds, 2⁶³ − 1 (a larger one from a
/// variable is refused apart, as a file could not hold it).
fn in_words(expected: &str) -> std::borrow::Cow<'_, str> {
    let largest = match expected {
        "u8" => u64::from(u8::MAX),
        "u16" => u64::from(u16::MAX),
        "u32" => u64::from(u32::MAX),
        "u64" | "usize" => i64::MAX as u64,
        "f32" | "f64" => return "a number".into(),
        _ if expected.starts_with("struct ") => return "a table".into(),
        _ => return expected.into(),
    };
    format!("a whole number from 0 to {largest}").into()
}

/// The names serde takes at `path`, an action's `action` or `level`, as serde lists them for
/// an unknown one.
fn names_expected(path: &[String]) -> Option<&'static [&'static str]> {
    use serde::Deserialize;
    let text = |s: &str| Value::from(s.to_owned());
    let mut probe = figment::value::Dict::new();
    match path.last()?.as_str() {
        "action" => {
            probe.insert("action".into(), text(""));
        }
        "level" => {
            probe.insert("action".into(), text("log"));
            probe.insert("level".into(), text(""));
        }
        _ => return None,
    }
    match crate::policy::Action::deserialize(&Value::from(probe)) {
        Err(e) => match e.kind {
            Kind::UnknownVariant(_, expected) => Some(expected),
            _ => None,
        },
        Ok(_) => None,
    }
}

fn is_actions(path: &[String]) -> bool {
    matches!(
        path.last().map(String::as_str),
        Some("on_degraded" | "on_unhealthy" | "on_recovered")
    )
}

fn did_you_mean(word: &str, expected: &[&str]) -> String {
    nearest(word, expected.iter().copied())
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ping_interval` meant as `ping.interval`: a nested key written with one `_` where a `.`
/// belongs (in a variable's name, `__`), or quoted, dots and all (`"ping.interval"`).
fn nested_meant(path: &[String]) -> Option<Vec<String>> {
    let (field, table) = path.split_last()?;
    let defaults = Value::serialize(crate::Config::default()).ok()?;
    if field.contains('.') {
        let mut meant = table.to_vec();
        meant.extend(field.split('.').map(str::to_owned));
        return find(&defaults, &meant).map(|_| meant);
    }
    field.match_indices('_').find_map(|(i, _)| {
        let mut meant = table.to_vec();
        meant.extend([field[..i].to_owned(), field[i + 1..].to_owned()]);
        find(&defaults, &meant).map(|_| meant)
    })
}

/// `[[ping]]` written for `[ping]`: the path of the table. serde reads a struct from an
/// array too, field by field, so the error names the wrong thing ("`ping[0]` = map: expected
/// a boolean", for the first field, `enabled`).
fn table_written_as_array(path: &[String]) -> Option<&[String]> {
    let (index, table) = path.split_last()?;
    index.parse::<usize>().ok()?;
    let a_check = matches!(table, [checks, _] if checks == "checks");
    let defaults = Value::serialize(crate::Config::default()).ok()?;
    let a_table = matches!(find(&defaults, table), Some(Value::Dict(..)));
    (a_check || a_table).then_some(table)
}

/// The one key of the table at `path` whose value is written `value`, if that is a table.
fn key_holding(figment: &Figment, path: &[String], value: &str) -> Option<String> {
    let root = figment.find_value("").ok()?;
    let Value::Dict(_, dict) = find(&root, path)? else {
        return None;
    };
    let mut holding = dict.iter().filter(|(_, v)| render(v) == value);
    match (holding.next(), holding.next()) {
        (Some((key, _)), None) => Some(key.clone()),
        _ => None,
    }
}

fn find<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(root, |value, segment| match value {
        Value::Dict(_, dict) => dict.get(segment),
        Value::Array(_, items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    })
}

/// A value as it would be written in TOML.
fn render(value: &Value) -> String {
    match value {
        Value::String(_, s) => format!("{s:?}"),
        Value::Char(_, c) => format!("{:?}", c.to_string()),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, n) => render_actual(&n.to_actual()),
        Value::Empty(..) => "(empty)".into(),
        Value::Dict(_, dict) => {
            let items: Vec<_> = dict
                .iter()
                .map(|(k, v)| format!("{k} = {}", render(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        Value::Array(_, items) => {
            let items: Vec<_> = items.iter().map(render).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn render_actual(actual: &Actual) -> String {
    match actual {
        Actual::Str(s) => format!("{s:?}"),
        Actual::Unsigned(n) => n.to_string(),
        Actual::Signed(n) => n.to_string(),
        // `64.0`, not `64`: the decimal point is what makes it wrong for a count.
        Actual::Float(f) => format!("{f:?}"),
        Actual::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}
