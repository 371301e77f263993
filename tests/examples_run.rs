//! The examples run to completion and do what their docs say.
//!
//! Each example keeps its logic in a `run()` the test calls in-process (the file is
//! included as a module), so these tests compile and exercise the examples' current code.
//! The README's main command, `cargo run --example demo`, is also run as a process, to
//! check its exit code and the summary it prints.

mod support;

use std::process::Command;
use std::time::Duration;

use ws_health::supervisor::Initiator;
use ws_health::Status;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/custom_check.rs"]
mod custom_check;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/override_default.rs"]
mod override_default;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/demo.rs"]
mod demo;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/feed_client.rs"]
mod feed_client;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/authenticated_server.rs"]
mod authenticated_server;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/configured.rs"]
mod configured;

/// The same code closes a silent client with 1011 under the default profile and keeps it,
/// Unhealthy, under the file's `development` profile, whose policy pages instead (a custom
/// action the built-in `development` profile does not have); the check's table sets its
/// interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_acts_on_a_silent_client_by_profile() {
    trace();
    let dir =
        std::env::temp_dir().join(format!("ws-health-configured-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ws-health.toml");
    std::fs::write(&file, configured::CONFIG).unwrap();
    let default = configured::run(&file, "default").await.unwrap();
    let development = configured::run(&file, "development").await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        default.session_interval,
        Duration::from_secs(1),
        "{default:?}"
    );
    assert!(default.unhealthy, "{default:?}");
    assert_eq!(default.closed_with, Some(1011), "{default:?}");
    assert_eq!(default.pages, 0, "{default:?}");
    assert!(development.unhealthy, "{development:?}");
    assert_eq!(development.closed_with, None, "{development:?}");
    assert_eq!(development.pages, 1, "{development:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_check_closes_a_revoked_session_with_1008() {
    trace();
    let outcome = custom_check::run().await.unwrap();
    assert_eq!(outcome.server.initiator, Initiator::Policy, "{outcome:?}");
    assert_eq!(outcome.server.code, 1008, "{outcome:?}");
    assert_eq!(outcome.server.reason, "session expired");
    assert!(outcome.server.clean, "the client answered the close");
    assert_eq!(outcome.client, Some((1008, "session expired".to_string())));
    assert_eq!(outcome.last_status, Status::Unhealthy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn override_default_degrades_on_slow_pongs_and_recovers() {
    trace();
    let outcome = override_default::run().await.unwrap();
    use Status::*;
    assert_eq!(
        outcome.statuses,
        [Healthy, Degraded, Healthy],
        "{outcome:?}"
    );
    // At least one slow pong and one fast again, each a run of the override (five or more
    // when the three pongs before the held ones are fast, as they are but on a machine that
    // stalls for the 400 ms bound, which only moves the same sequence earlier).
    assert!(outcome.runs >= 2, "{outcome:?}");
    assert_eq!(outcome.end.initiator, Initiator::Application);
    assert_eq!(outcome.end.code, 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_client_resubscribes_with_a_fresh_token_after_a_restart() {
    trace();
    let outcome = support::within("the feed client's run", feed_client::run())
        .await
        .unwrap();
    assert_eq!(
        outcome.tokens,
        ["Bearer token-1", "Bearer token-2"],
        "{outcome:?}"
    );
    // Every tick of both connections, and no acknowledgement: the hook's request took both.
    let ticks = ["tick 1", "tick 2", "tick 3"];
    assert_eq!(outcome.received, [ticks, ticks].concat(), "{outcome:?}");
    assert_eq!(outcome.reused_token, Ok(401), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticated_server_refuses_unknown_tokens_and_closes_only_the_revoked_session() {
    trace();
    let outcome = support::within(
        "the authenticated server's run",
        authenticated_server::run(),
    )
    .await
    .unwrap();
    let challenge = "Bearer realm=\"chat\"".to_owned();
    assert_eq!(outcome.unknown_token, Ok((401, challenge)), "{outcome:?}");
    assert_eq!(outcome.alice_echo, "alice: hello");
    assert_eq!(
        outcome.alice_closed,
        Some((1008, "session revoked".to_owned()))
    );
    assert_eq!(outcome.bob_echo, "bob: still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_ends_each_client_as_described() {
    trace();
    let reports = demo::run().await.unwrap();
    assert!(demo::summarize(&reports), "{reports:#?}");
    let report = |name: &str| reports.iter().find(|r| r.client == name).unwrap();

    let silent = report("silent");
    assert_eq!(silent.end.initiator, Initiator::Policy);
    assert_eq!(silent.end.reason, "keepalive ping timeout");
    assert!(!silent.end.clean, "a silent peer cannot answer the close");
    assert!(silent.stats.pings_missed >= 1);
    assert_eq!(silent.stats.pongs_received, 0);

    let forgetful = report("forgetful");
    assert_eq!(forgetful.end.initiator, Initiator::Policy);
    assert_eq!(forgetful.end.reason, "heartbeat lost");
    assert_eq!(forgetful.stats.pings_missed, 0, "it kept ponging");
    assert_eq!(forgetful.statuses.last(), Some(&Status::Unhealthy));

    let healthy = report("healthy");
    assert_eq!(healthy.end.initiator, Initiator::Application);
    assert!(healthy.end.clean);
    assert_eq!(healthy.statuses, [Status::Healthy]);
    assert!(healthy.stats.pongs_received >= 1);
    assert!(
        healthy.stats.messages_received >= 1,
        "its messages were echoed"
    );
}

/// `cargo run --example demo` exits 0 and prints its summary. Runs cargo itself, with the
/// features this test was built with, so that it runs the example `cargo test` built
/// instead of building the crate again beside the other tests.
#[test]
fn demo_command_exits_0_with_its_summary() {
    let mut features = Vec::new();
    if cfg!(feature = "cli") {
        features.push("cli");
    }
    if cfg!(feature = "metrics") {
        features.push("metrics");
    }
    if cfg!(feature = "rustls") {
        features.push("rustls");
    }
    let mut command = Command::new(env!("CARGO"));
    command
        .args([
            "run",
            "--quiet",
            "--example",
            "demo",
            "--no-default-features",
        ])
        .arg("--features")
        .arg(features.join(","))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1");
    let output = support::process::output_within(command, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for line in [
        r#"closed by policy with 1011 "keepalive ping timeout""#,
        r#"closed by policy with 4000 "heartbeat lost""#,
        r#"closed by application with 1001 "server shutting down""#,
        "demo: all as expected",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    // The log shows what the supervisor did.
    assert!(stderr.contains("closing connection"), "{stderr}");
}

/// Installs a test subscriber once (RUST_LOG controls it).
fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
