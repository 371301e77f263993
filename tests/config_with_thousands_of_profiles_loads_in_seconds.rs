//! Every profile in the file is checked on load, and checking one must not cost as much as
//! the whole file: a file of a few thousand profiles (under 200 KB, far below the 16 MiB
//! limit) took a minute, and a 10 MB one would have held a reload or `ws-health config`
//! for hours. The bound below is some twenty times what it takes on a loaded machine.

mod support;

use std::fmt::Write;
use std::time::{Duration, Instant};

use support::config::jail;
use ws_health::Config;

const PROFILES: usize = 3000;

#[test]
fn a_file_of_thousands_of_profiles_loads_in_seconds() {
    let mut toml = String::new();
    for i in 0..PROFILES {
        writeln!(toml, "[p{i}.ping]\ninterval = \"5s\"\ntimeout = \"2s\"").unwrap();
    }
    jail(|jail| {
        jail.create_file("ws-health.toml", &toml).unwrap();
        let start = Instant::now();
        Config::from(Config::figment()).unwrap();
        let took = start.elapsed();
        assert!(took < Duration::from_secs(10), "took {took:?}");
    });
}

#[test]
fn a_bad_value_in_one_of_many_profiles_is_still_named() {
    let mut toml = String::new();
    for i in 0..100 {
        writeln!(toml, "[p{i}.ping]\ninterval = \"5s\"\ntimeout = \"2s\"").unwrap();
    }
    toml.push_str("[p77.queues]\ninbound = 0\n");
    jail(|jail| {
        jail.create_file("ws-health.toml", &toml).unwrap();
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        for part in [
            "profile `p77`",
            "`queues.inbound` = 0",
            "key `p77.queues.inbound`",
        ] {
            assert!(msg.contains(part), "`{part}` missing from:\n{msg}");
        }
    });
}
