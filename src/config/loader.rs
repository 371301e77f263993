//! Where the configuration comes from, remembered so that it can be read again.

use std::path::PathBuf;

use figment::providers::Env;
use figment::value::{Dict, Map, Tag, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::env::EnvVars;
use super::file::TomlFile;
use super::load::Defaults;
use super::profile::check_selected;
use super::{diagnose, BuiltinProfiles, Config};
use crate::{Result, Supervisor};

/// Loads the configuration from ws-health's sources and reloads it on demand.
///
/// It remembers the file and profile it was given and reads the environment again on each
/// load, so [`reload`](ConfigLoader::reload) picks up edits to the file and, for a
/// profile not fixed here, a changed [`Config::PROFILE_ENV`].
///
/// # Default
/// The file [`Config::FILE`] in the working directory (missing is fine) unless
/// [`Config::FILE_ENV`] names another (which must exist); the profile named by
/// [`Config::PROFILE_ENV`], else the one given to
/// [`with_default_profile`](ConfigLoader::with_default_profile), else `default`.
///
/// ```no_run
/// use ws_health::{ConfigLoader, Supervisor};
///
/// let loader = ConfigLoader::new().with_file("/etc/ws-health.toml");
/// let config = loader.load()?;
/// let supervisor = Supervisor::builder().with_config(&config).build()?;
/// // Later, e.g. on SIGHUP: live connections take the new timings from their next check.
/// if let Err(e) = loader.reload(&supervisor) {
///     eprintln!("kept the old configuration: {e}");
/// }
/// # Ok::<_, ws_health::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ConfigLoader {
    /// The file asked for, and who asked (for errors).
    file: Option<(PathBuf, String)>,
    /// The profile selected, and who selected it (for errors).
    profile: Option<(String, String)>,
    /// The profile selected while `WS_HEALTH_PROFILE` is unset or empty.
    default_profile: Option<String>,
}

impl ConfigLoader {
    /// A loader with the default sources.
    pub fn new() -> Self {
        ConfigLoader::default()
    }

    /// Reads `path` instead of [`Config::FILE`]; it must exist.
    pub fn with_file(self, path: impl Into<PathBuf>) -> Self {
        self.with_file_named_by(path, "ConfigLoader::with_file")
    }

    /// As [`with_file`](Self::with_file), saying in errors who named the file: a command-line
    /// flag (`"--config"`), so that a missing file points at what the user wrote.
    pub fn with_file_named_by(mut self, path: impl Into<PathBuf>, by: impl Into<String>) -> Self {
        self.file = Some((path.into(), by.into()));
        self
    }

    /// Selects `profile` whatever [`Config::PROFILE_ENV`] says.
    pub fn with_profile(self, profile: impl Into<String>) -> Self {
        self.with_profile_named_by(profile, "ConfigLoader::with_profile")
    }

    /// As [`with_profile`](Self::with_profile), saying in errors who selected it: a
    /// command-line flag (`"--profile"`).
    pub fn with_profile_named_by(
        mut self,
        profile: impl Into<String>,
        by: impl Into<String>,
    ) -> Self {
        self.profile = Some((profile.into(), by.into()));
        self
    }

    /// Selects `profile` unless [`Config::PROFILE_ENV`] names one: the application's choice
    /// (`production`), which an operator can still override. [`with_profile`](Self::with_profile)
    /// wins over both.
    ///
    /// ```
    /// # figment::Jail::expect_with(|jail| {
    /// let loader = ws_health::ConfigLoader::new().with_default_profile("mobile");
    /// # let run = |loader: &ws_health::ConfigLoader| loader.load().map_err(|e| e.to_string());
    /// assert_eq!(loader.figment().profile(), "mobile");
    /// jail.set_env("WS_HEALTH_PROFILE", "datacenter");
    /// assert_eq!(loader.figment().profile(), "datacenter");
    /// # run(&loader)?;
    /// # Ok(())
    /// # });
    /// ```
    pub fn with_default_profile(mut self, profile: impl Into<String>) -> Self {
        self.default_profile = Some(profile.into());
        self
    }

    /// The sources, read now, merged in order: defaults, built-in profiles, the file, the
    /// environment; with the profile selected.
    pub fn figment(&self) -> Figment {
        let file = match (&self.file, Env::var(Config::FILE_ENV)) {
            (Some((path, by)), _) => TomlFile::required(path, by.as_str()),
            (None, Some(path)) if !path.is_empty() => {
                TomlFile::required(path, format!("environment variable {}", Config::FILE_ENV))
            }
            _ => TomlFile::optional(Config::FILE),
        };
        let profile = match (&self.profile, env_profile(), &self.default_profile) {
            (Some((name, _)), _, _) => Profile::new(name),
            (None, Some(name), _) => Profile::new(&name),
            (None, None, Some(name)) => Profile::new(name),
            (None, None, None) => Profile::Default,
        };
        tracing::debug!(file = %file.path().display(), %profile, "loading configuration");
        Figment::from(Defaults)
            .merge(BuiltinProfiles)
            .merge(file)
            .merge(EnvVars)
            .select(profile)
    }

    /// Reads and checks the configuration (see [`Config::from`]).
    ///
    /// # Errors
    /// As [`Config::from`], and when a file that was named explicitly cannot be read.
    pub fn load(&self) -> Result<Config> {
        self.checked(self.figment())
    }

    /// As [`load`](Self::load), with `overrides` merged over every source: what a program's
    /// command-line flags set (name them in the provider's metadata, so that errors and
    /// warnings about their values point at the flag). Whatever profile the provider puts
    /// its values in (default, the selected one, global: each over the one before), they
    /// override every source.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn load_with(&self, overrides: impl Provider) -> Result<Config> {
        let figment = self.figment();
        let selected = figment.profile().clone();
        self.checked(figment.merge(Overriding(overrides, selected)))
    }

    fn checked(&self, figment: Figment) -> Result<Config> {
        // Told here, where who selected the profile is known (`Config::from` checks it again),
        // unless a source failed to read: its profiles are missing then, and `Config::from`
        // names the source's error instead.
        // From the profile `figment` selected, not the variable read again.
        let by = match (&self.profile, &self.default_profile) {
            (Some((_, by)), _) => Some(by.as_str()),
            (None, Some(name)) if figment.profile() == name.as_str() => {
                Some("ConfigLoader::with_default_profile")
            }
            _ => None,
        };
        if let (Some(by), Ok(_)) = (by, figment.find_value("")) {
            check_selected(&figment, Some(by))?;
        }
        Config::from(figment)
    }

    /// Reads the configuration again and applies it to `supervisor` and every live connection
    /// at once, idle ones included (see [`Supervisor::reload`]): a check waiting for its next
    /// run moves onto its new interval's grid, new timeouts apply to runs started from then, new
    /// thresholds and actions from the next result; a status they change, and actions they owe
    /// the status a connection stays at, are acted on at once. No connection is dropped for the
    /// reload itself. Returns the configuration applied, for the application's own use.
    ///
    /// A check gets its `[checks.<name>]` table; one without a table, the defaults if it was
    /// registered with its table's settings, else the settings it was registered with. `[ping]` and
    /// `[policy]` replace the ping's settings and the policy as
    /// [`SupervisorBuilder::with_config`](crate::supervisor::SupervisorBuilder::with_config) does,
    /// adjustments made in code after it included (with a warning). Queue sizes apply to
    /// connections made after the reload; `[socket]` (the send limit `socket.max_message_size`
    /// too), `[server]` and `[client]` are read when a supervisor, server or client is built.
    ///
    /// # Errors
    /// When the new configuration is invalid, or names a custom action the supervisor does
    /// not have: the supervisor keeps its old configuration, and the error says why.
    pub fn reload(&self, supervisor: &Supervisor) -> Result<Config> {
        let figment = self.figment();
        let result = self.checked(figment.clone()).and_then(|config| {
            let unregistered = supervisor.unregistered_actions(&config);
            if !unregistered.is_empty() {
                let context = " for this supervisor";
                return Err(diagnose::problems(&figment, &unregistered, context));
            }
            supervisor.reload(&config)?;
            Ok(config)
        });
        match &result {
            Ok(_) => tracing::info!("configuration reloaded"),
            Err(e) => tracing::warn!(
                error = %e,
                "configuration reload refused; the old configuration stays"
            ),
        }
        result
    }
}

/// A provider's values for the selected profile moved to the global profile, which
/// overrides every other: figment would otherwise let a selected profile and the
/// environment (global) override values a provider put in the default profile, as
/// `Serialized::defaults` does.
struct Overriding<P>(P, Profile);

impl<P: Provider> Provider for Overriding<P> {
    fn metadata(&self) -> Metadata {
        self.0.metadata()
    }

    // A `Figment` given as the provider names its sources through this hidden method: without
    // it, errors about its values could not say where they came from.
    fn __metadata_map(&self) -> Option<Map<Tag, Metadata>> {
        self.0.__metadata_map()
    }

    fn data(&self) -> std::result::Result<Map<Profile, Dict>, figment::Error> {
        let mut data = self.0.data()?;
        // Every profile it names stays known (empty), so that selecting one is no error.
        let mut out: Map<Profile, Dict> = data.keys().map(|p| (p.clone(), Dict::new())).collect();
        let mut merged = Dict::new();
        // In figment's order: default, then the selected profile, then global.
        for profile in [Profile::Default, self.1.clone(), Profile::Global] {
            if let Some(dict) = data.remove(&profile) {
                merge(&mut merged, dict);
            }
        }
        out.insert(Profile::Global, merged);
        Ok(out)
    }
}

/// `from` over `into`, table by table, as figment merges a profile over another.
pub(super) fn merge(into: &mut Dict, from: Dict) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Dict(_, table)), Value::Dict(_, from)) => merge(table, from),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// The profile [`Config::PROFILE_ENV`] names; empty counts as unset.
fn env_profile() -> Option<String> {
    Env::var(Config::PROFILE_ENV).filter(|name| !name.is_empty())
}
