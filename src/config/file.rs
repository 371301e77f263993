//! The TOML file, as a figment provider that reads flat keys and profile tables alike.

use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider, Source};

use super::written::dotted;
use super::Config;

/// A TOML file whose top-level configuration keys (`[ping]`, `[policy]`, …) belong to the
/// `default` profile and whose other top-level tables are profiles (`[default]`,
/// `[global]`, `[staging]`, …). A missing file is empty unless it was named explicitly.
#[derive(Debug, Clone)]
pub(crate) struct TomlFile {
    path: PathBuf,
    /// Who named the file (`environment variable WS_HEALTH_CONFIG`), if it was named.
    named_by: Option<String>,
}

impl TomlFile {
    /// The default file, `ws-health.toml` in the working directory: missing is fine.
    pub(crate) fn optional(path: impl Into<PathBuf>) -> Self {
        TomlFile {
            path: path.into(),
            named_by: None,
        }
    }

    /// A file someone asked for: missing is an error that says who asked.
    pub(crate) fn required(path: impl Into<PathBuf>, named_by: impl Into<String>) -> Self {
        TomlFile {
            path: path.into(),
            named_by: Some(named_by.into()),
        }
    }

    fn absolute(&self) -> PathBuf {
        std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Provider for TomlFile {
    fn metadata(&self) -> Metadata {
        let path = self.path.clone();
        Metadata::named("TOML file")
            .source(Source::File(self.absolute()))
            .interpolater(move |profile: &Profile, keys: &[&str]| {
                let written_under_default = || under_default(&path, keys.first().copied());
                if *profile == Profile::Default && !written_under_default() {
                    dotted(keys)
                } else {
                    format!("{profile}.{}", dotted(keys))
                }
            })
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        let text = match read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.named_by.is_none() => {
                return Ok(Map::new())
            }
            Err(e) => {
                let by = self.named_by.as_deref().unwrap_or("the default");
                return Err(format!(
                    "cannot read the configuration file {} (named by {by}): {e}",
                    self.path.display()
                )
                .into());
            }
        };
        let dict: Dict = Toml::from_str(&text).map_err(|e| e.to_string())?;
        Ok(split_profiles(dict)?)
    }
}

/// The most a configuration file may hold: a larger one is no configuration (`/dev/zero`
/// would otherwise be read until memory runs out).
const MAX_FILE: u64 = 16 << 20;

/// The file's text, if it is a regular file of at most [`MAX_FILE`] bytes: a FIFO would
/// block the load until a writer came, a device never end.
fn read(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, Read};
    if !std::fs::metadata(path)?.is_file() {
        return Err(Error::other("not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_FILE + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE {
        return Err(Error::other("over 16 MiB, too large for a configuration"));
    }
    Ok(text)
}

/// Whether the file writes the table `key` of the default profile under `[default]`
/// (`[default.policy]`), not at the top level: read again, for a message only.
fn under_default(path: &Path, key: Option<&str>) -> bool {
    let Some(key) = key else {
        return false;
    };
    let Ok(mut data) = Toml::file_exact(path).data() else {
        return false;
    };
    let top = data.remove(&Profile::Default).unwrap_or_default();
    matches!(top.get("default"), Some(Value::Dict(_, tables)) if tables.contains_key(key))
}

/// The top-level keys of [`Config`]: `ping`, `checks`, `policy`, …
pub(crate) fn config_keys() -> Vec<String> {
    match Value::serialize(Config::default()) {
        Ok(Value::Dict(_, dict)) => dict.into_keys().collect(),
        _ => Vec::new(),
    }
}

fn split_profiles(dict: Dict) -> Result<Map<Profile, Dict>, String> {
    let keys = config_keys();
    let mut profiles: Map<Profile, Dict> = Map::new();
    // Where each profile's keys were written (`None`: at the top level), for the message when
    // one is written twice: profile names are case-insensitive, so `[staging]` and
    // `[STAGING]` are one profile, as the top level and `[default]` are.
    let mut written: Map<Profile, Map<String, Option<String>>> = Map::new();
    for (name, value) in dict {
        match value {
            Value::Dict(_, table) if !keys.contains(&name) => {
                let profile = Profile::new(&name);
                // An empty table is a profile too: selecting it means the defaults.
                profiles.entry(profile.clone()).or_default();
                for (key, value) in table {
                    insert(
                        &mut profiles,
                        &mut written,
                        &profile,
                        Some(&name),
                        key,
                        value,
                    )?;
                }
            }
            // A configuration key, or a stray value that extraction will name as unknown.
            value => insert(
                &mut profiles,
                &mut written,
                &Profile::Default,
                None,
                name,
                value,
            )?,
        }
    }
    Ok(profiles)
}

fn insert(
    profiles: &mut Map<Profile, Dict>,
    written: &mut Map<Profile, Map<String, Option<String>>>,
    profile: &Profile,
    table_name: Option<&str>,
    key: String,
    value: Value,
) -> Result<(), String> {
    let table = profiles.entry(profile.clone()).or_default();
    let places = written.entry(profile.clone()).or_default();
    if let Some(first) = places.get(&key) {
        // The top level first: the file's tables are visited in name order, `[default]`
        // before `ping`.
        let mut both = [first.as_deref(), table_name];
        both.sort();
        let place = |name: Option<&str>| match name {
            None => "at the top level".to_owned(),
            Some(name) => format!("in `[{name}]`"),
        };
        let case = match both {
            [Some(a), Some(b)] if a != b => format!(
                " (profile names are case-insensitive: both are the profile `{}`)",
                profile.to_string().to_lowercase()
            ),
            _ => String::new(),
        };
        return Err(format!(
            "`{key}` is set both {} and {}{case}; keep one",
            place(both[0]),
            place(both[1])
        ));
    }
    places.insert(key.clone(), table_name.map(str::to_owned));
    table.insert(key, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_keys_are_default_and_other_tables_are_profiles() {
        let dict: Dict = Toml::from_str(
            "[ping]\ninterval = \"5s\"\n[staging.ping]\ninterval = \"7s\"\n\
             [global.policy]\nclose_timeout = \"1s\"",
        )
        .unwrap();
        let profiles = split_profiles(dict).unwrap();
        assert!(profiles[&Profile::Default].contains_key("ping"));
        assert!(profiles[&Profile::new("staging")].contains_key("ping"));
        assert!(profiles[&Profile::Global].contains_key("policy"));
    }

    #[test]
    fn a_key_set_twice_in_the_default_profile_is_an_error() {
        let dict: Dict =
            Toml::from_str("[ping]\ninterval = \"5s\"\n[default.ping]\ninterval = \"7s\"").unwrap();
        let err = split_profiles(dict).unwrap_err();
        assert!(err.to_string().contains("`ping`"), "{err}");
    }
}
