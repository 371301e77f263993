//! `ws-health config`: the configuration as `serve` and `probe` would take it, printed.

use crate::args::ConfigArgs;
use crate::console::print;
use crate::Failure;

/// Loads and checks the configuration, custom actions included, as the other commands do,
/// and prints it: TOML that reads back as the same configuration, or JSON with `--json`.
pub(crate) fn run(args: &ConfigArgs, threads: Option<u16>) -> Result<(), Failure> {
    // `serve` reads `--threads` after the configuration, and takes `server.workers = 0` as one
    // per core: no value printed here would mean what the flag does there.
    if threads.is_some() {
        return Err(Failure::usage(
            "--threads does not apply to `ws-health config`: it sets the threads `serve` and \
             `probe` run on, over the configuration (`server.workers` for serve)",
        ));
    }
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
