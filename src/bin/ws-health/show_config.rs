//! `ws-health config`: the configuration as `serve` and `probe` would take it, printed.

use crate::args::ConfigArgs;
use crate::console::print;
use crate::Failure;

/// Loads and checks the configuration, custom actions included, as the other commands do,
/// and prints it: TOML that reads back as the same configuration, or JSON with `--json`.
pub(crate) fn run(args: &ConfigArgs) -> Result<(), Failure> {
    let config = args.load(None)?;
    crate::supervisor::build(&config)?;
    let text = if args.json {
        serde_json::to_string_pretty(&config).map_err(Failure::failed)?
    } else {
        toml::to_string(&config).map_err(Failure::failed)?
    };
    match print(text.trim_end()) {
        // Its reader took what it wanted (`| head`).
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::failed(err)),
        _ => Ok(()),
    }
}
