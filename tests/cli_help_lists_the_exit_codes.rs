//! `ws-health --help`, and each command's, lists the exit codes a script or a service manager
//! acts on: 0 success, 1 a probe that failed or a server that could not run, 2 bad arguments
//! or configuration. They were only in docs/runtime.md, which an operator with the binary
//! alone does not have.
#![cfg(feature = "cli")]

mod support;

use support::cli::run;

#[test]
fn cli_help_lists_the_exit_codes() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["probe", "--help"],
        &["config", "--help"],
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        for line in [
            "Exit codes:",
            "0  success",
            "1  the probe failed, or the server could not run",
            "2  bad arguments or configuration",
        ] {
            assert!(
                help.contains(line),
                "{args:?} does not say {line:?}:\n{help}"
            );
        }
    }
}
