//! An application that selects the profile in its own figment (its own variable, a flag) and
//! hands it to `Config::from` is told that a profile it named is unknown in a sentence that
//! says where the name came from: before, "(from selected in code)".

mod support;

use figment::providers::{Format, Toml};
use figment::Figment;
use support::config::jail;
use ws_health::Config;

#[test]
fn an_unknown_profile_selected_by_the_applications_figment_is_named_so() {
    jail(|_| {
        let figment = Figment::from(Toml::string("[development.ping]\ninterval = \"5s\"").nested())
            .select("developmnt");
        let err = Config::from(figment).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "unknown profile `developmnt` (did you mean `development`?) \
                 (from the figment given to `Config::from`); known profiles:"
            ),
            "{err}"
        );
    });
}
