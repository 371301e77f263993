//! Profile names are case-insensitive, so `[production.ping]` and `[PRODUCTION.ping]` set the
//! same table of one profile twice. The error names the two tables as the file writes them; it
//! used to say "`ping` is set both at the top level and in `[default]`", which the file did
//! not do, and left the reader looking for a `[default]` table that was not there.

mod support;

use support::config::jail;
use ws_health::{ConfigLoader, ErrorKind};

fn load_error(file: &str) -> String {
    let mut message = String::new();
    jail(|jail| {
        jail.create_file("ws-health.toml", file).unwrap();
        let err = ConfigLoader::new()
            .with_profile("production")
            .load()
            .expect_err("a table set twice");
        assert_eq!(err.kind(), ErrorKind::Config);
        message = err.to_string();
    });
    message
}

#[test]
fn two_spellings_of_one_profile_are_both_named() {
    let msg =
        load_error("[production.ping]\ninterval = \"5s\"\n[PRODUCTION.ping]\ntimeout = \"3s\"");
    for part in [
        "`ping`",
        "`[production]`",
        "`[PRODUCTION]`",
        "case",
        "ws-health.toml",
    ] {
        assert!(msg.contains(part), "`{part}` missing from:\n{msg}");
    }
    assert!(
        !msg.contains("top level"),
        "no key is at the top level:\n{msg}"
    );
}

#[test]
fn the_top_level_and_default_are_still_named_so() {
    let msg = load_error("[ping]\ninterval = \"5s\"\n[default.ping]\ntimeout = \"3s\"");
    assert!(
        msg.contains("`ping` is set both at the top level and in `[default]`"),
        "{msg}"
    );
}
