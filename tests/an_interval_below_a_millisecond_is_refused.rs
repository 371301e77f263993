//! A check's interval below one millisecond (tokio's timers tick in milliseconds) is refused
//! with an error naming the key, in code and in a file: a check that completes at once was
//! started again in the same poll, forever, and held its runtime's thread.

mod support;

use std::time::Duration;

use support::config::jail;
use support::ms;
use ws_health::{async_trait, CheckContext, CheckSettings, Config, Health, HealthCheck};
use ws_health::{ErrorKind, Supervisor};

/// Healthy at once, without awaiting: the kind of check that spun.
struct Instant;

#[async_trait]
impl HealthCheck for Instant {
    async fn check(&self, _: &CheckContext) -> Health {
        Health::healthy("fine")
    }
}

#[test]
fn an_interval_below_a_millisecond_is_refused_in_code() {
    let err = Supervisor::builder()
        .with_check(
            "feed",
            Instant,
            CheckSettings::every(Duration::from_micros(1), ms(50)),
        )
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let message = err.to_string();
    assert!(message.contains("`checks.feed.interval`"), "{message}");
    assert!(message.contains("at least 1ms"), "{message}");

    let err = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(Duration::from_micros(999), ms(50)))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("`ping.interval`"), "{err}");

    // The least is accepted.
    Supervisor::builder()
        .with_check("feed", Instant, CheckSettings::every(ms(1), ms(50)))
        .build()
        .unwrap();
}

#[test]
fn an_interval_below_a_millisecond_is_refused_in_a_file() {
    jail(|jail| {
        jail.create_file("ws-health.toml", "[ping]\ninterval = \"500us\"")
            .unwrap();
        let err = Config::from(Config::figment()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let message = err.to_string();
        for part in [
            "`ping.interval`",
            "\"500us\"",
            "at least 1ms",
            "ws-health.toml",
        ] {
            assert!(message.contains(part), "`{part}` missing from:\n{message}");
        }
    });
}
