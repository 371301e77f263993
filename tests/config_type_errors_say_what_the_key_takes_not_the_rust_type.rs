//! A value of the wrong type is answered with what the key takes, in the words of the
//! configuration reference: a whole number (and its range), a number, a table. serde's own
//! names for them (`usize`, `u32`, `f64`, `struct CheckSettings`) are Rust's, which an
//! operator editing a file or setting a variable does not read.

mod support;

use support::config::{env_error, file_error};

fn assert_says(msg: &str, says: &str, not: &str) {
    assert!(msg.contains(says), "`{says}` missing from:\n{msg}");
    assert!(!msg.contains(not), "`{not}` in:\n{msg}");
}

#[test]
fn a_count_of_the_wrong_type_is_asked_for_as_a_whole_number() {
    let msg = file_error("[queues]\noutbound = 4096.0");
    assert_says(
        &msg,
        "`queues.outbound` = 4096.0: expected a whole number",
        "usize",
    );
    let msg = env_error("WS_HEALTH_QUEUES__OUTBOUND", "-1");
    assert_says(&msg, "expected a whole number", "usize");
    assert!(msg.contains("WS_HEALTH_QUEUES__OUTBOUND"), "{msg}");
}

#[test]
fn a_whole_number_names_the_largest_its_key_takes() {
    let msg = file_error("[ping]\nfailure_threshold = \"three\"");
    assert_says(&msg, "expected a whole number from 0 to 4294967295", "u32");
    let msg = file_error("[policy]\non_unhealthy = [{ action = \"close\", code = \"x\" }]");
    assert_says(&msg, "expected a whole number from 0 to 65535", "u16");
}

#[test]
fn a_fraction_is_asked_for_as_a_number() {
    let msg = file_error("[client.backoff]\nmultiplier = \"x\"");
    assert_says(
        &msg,
        "`client.backoff.multiplier` = \"x\": expected a number",
        "f64",
    );
}

#[test]
fn a_table_given_a_value_is_asked_for_as_a_table() {
    let msg = env_error("WS_HEALTH_PING", "5s");
    assert_says(&msg, "`ping` = \"5s\": expected a table", "struct");
    let msg = file_error("[checks]\nfeed = 5");
    assert_says(&msg, "`checks.feed` = 5: expected a table", "CheckSettings");
}
