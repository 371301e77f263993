//! Integers a TOML file could not hold, which only an environment variable can give.

use super::validate::Validator;
use super::Config;

/// The largest integer a TOML file can hold.
const TOML_MAX: u128 = i64::MAX as u128;

/// Reports every integer of a loaded configuration over [`TOML_MAX`]: only an environment
/// variable (or a provider built in code) can give one, and the configuration would not print
/// as the TOML that `ws-health config` promises reads back the same. Not for a configuration
/// built in code: there, an unbounded `socket.max_write_buffer_size` (`usize::MAX`) goes with
/// no `socket.max_message_size`, which only code can leave out; that pair stays accepted.
pub(super) fn report(v: &mut Validator, config: &Config) {
    let unbounded = config.socket.max_message_size.is_none()
        && config.socket.max_write_buffer_size == usize::MAX;
    if let Ok(value) = figment::value::Value::serialize(config) {
        beyond_toml(v, &value, unbounded);
    }
}

fn beyond_toml(v: &mut Validator, value: &figment::value::Value, unbounded: bool) {
    use figment::value::Value;
    match value {
        Value::Dict(_, dict) => {
            for (key, value) in dict {
                if let Value::Num(_, n) = value {
                    let exempt =
                        unbounded && key == "max_write_buffer_size" && v.path == ["socket"];
                    if !exempt && n.to_u128().is_some_and(|n| n > TOML_MAX) {
                        v.error(
                            key,
                            n.to_u128().unwrap_or_default(),
                            format!(
                                "must be at most {TOML_MAX}, the largest integer a TOML file \
                                 can hold"
                            ),
                        );
                    }
                } else {
                    v.scope(key, |v| beyond_toml(v, value, unbounded));
                }
            }
        }
        Value::Array(_, items) => {
            for (i, item) in items.iter().enumerate() {
                v.scope(i, |v| beyond_toml(v, item, unbounded));
            }
        }
        _ => {}
    }
}
