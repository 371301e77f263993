//! Helpers for configuration tests: a clean `figment::Jail`, captured `tracing` events.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use figment::Jail;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

/// Runs `f` in a `figment::Jail` (a temporary working directory, environment restored
/// afterwards) whose environment starts empty, so no `WS_HEALTH_*` of the host leaks in.
#[allow(clippy::result_large_err)] // Jail's closure must return figment's (large) error
pub fn jail(f: impl FnOnce(&mut Jail)) {
    Jail::expect_with(|jail| {
        jail.clear_env();
        f(jail);
        Ok(())
    });
}

/// The message of the configuration error that loading `toml` as `ws-health.toml` gives.
pub fn file_error(toml: &str) -> String {
    let mut message = String::new();
    jail(|jail| {
        jail.create_file("ws-health.toml", toml).unwrap();
        message = config_error(toml);
    });
    message
}

/// The message of the configuration error that loading with the one variable `name=value`
/// gives.
pub fn env_error(name: &str, value: &str) -> String {
    let mut message = String::new();
    jail(|jail| {
        jail.set_env(name, value);
        message = config_error(name);
    });
    message
}

fn config_error(what: &str) -> String {
    let err = ws_health::Config::from(ws_health::Config::figment()).expect_err(what);
    assert_eq!(err.kind(), ws_health::ErrorKind::Config, "{err}");
    err.to_string()
}

/// One `tracing` event, with its fields as text.
#[derive(Debug, Clone)]
pub struct Captured {
    pub level: Level,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Captured {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Captured>>>);

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut visitor = Fields::default();
        event.record(&mut visitor);
        let message = visitor.0.remove("message").unwrap_or_default();
        self.0.lock().unwrap().push(Captured {
            level: *event.metadata().level(),
            message,
            fields: visitor.0,
        });
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}

/// Runs `f` with a subscriber that records every event on this thread.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<Captured>) {
    let recorder = Recorder::default();
    let subscriber = Registry::default().with(recorder.clone());
    let out = tracing::subscriber::with_default(subscriber, f);
    let events = recorder.0.lock().unwrap().clone();
    (out, events)
}

/// The events recorded so far by [`record`].
#[derive(Clone)]
pub struct Recording(Recorder);

impl Recording {
    pub fn events(&self) -> Vec<Captured> {
        self.0 .0.lock().unwrap().clone()
    }
}

/// Records every event on this thread until the guard is dropped, readable while it runs:
/// for async tests on a current-thread runtime, whose tasks all run on the test's thread.
pub fn record() -> (Recording, tracing::subscriber::DefaultGuard) {
    let recorder = Recorder::default();
    let guard = tracing::subscriber::set_default(Registry::default().with(recorder.clone()));
    (Recording(recorder), guard)
}

/// The warnings among `events`.
pub fn warnings(events: &[Captured]) -> Vec<&Captured> {
    events.iter().filter(|e| e.level == Level::WARN).collect()
}
