//! A reload whose file names a custom action the supervisor does not have is refused (the old
//! configuration kept, as `config_reload_applies_…` checks); the error names the key and, as every other configuration error does,
//! where the value came from: the file and its key.

mod support;

use support::config::jail;
use ws_health::{ConfigLoader, ErrorKind, Supervisor};

#[test]
fn reload_refusing_an_unregistered_custom_action_names_its_file_and_key() {
    jail(|jail| {
        jail.create_file("app.toml", "[ping]\ninterval = \"7s\"\n")
            .unwrap();
        let loader = ConfigLoader::new().with_file("app.toml");
        let supervisor = Supervisor::builder()
            .with_config(&loader.load().unwrap())
            .build()
            .unwrap();
        jail.create_file(
            "app.toml",
            "[ping]\ninterval = \"9s\"\n\
             [policy]\non_unhealthy = [{ action = \"custom\", name = \"page\" }]\n",
        )
        .unwrap();
        let err = loader.reload(&supervisor).unwrap_err();
        // A configuration error, as every other refused reload's (`ErrorKind::Config`).
        assert_eq!(err.kind(), ErrorKind::Config);
        let msg = err.to_string();
        for part in [
            "`policy.on_unhealthy[0].name` = \"page\"",
            "`page` is not registered",
            "app.toml",
            "key `policy.on_unhealthy[0].name`",
        ] {
            assert!(msg.contains(part), "`{part}` missing from:\n{msg}");
        }
    });
}

/// `Supervisor::reload` refuses a whole configuration as loading does: `ErrorKind::Config`,
/// naming the key (no source: it was given no figment).
#[test]
fn supervisor_reload_refuses_with_a_configuration_error() {
    let supervisor = Supervisor::new();
    let mut config = ws_health::Config::default();
    config.policy.on_unhealthy = vec![ws_health::policy::Action::Custom {
        name: "page".into(),
    }];
    let err = supervisor.reload(&config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string()
            .contains("`policy.on_unhealthy[0].name` = \"page\""),
        "{err}"
    );
}
