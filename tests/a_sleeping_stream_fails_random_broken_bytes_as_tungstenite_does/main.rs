//! A `LeanStream` that is asleep when a broken frame comes fails it exactly as tungstenite
//! does: a seeded, differential fuzz of what a sleeping stream reads itself (a lone pong,
//! `src/lean/control.rs`), of when it hands the bytes to tungstenite (`stream.rs`) and of the
//! frame follower that tells it when it may sleep again (`tap.rs`).
//!
//! Each seed makes one peer byte stream: a few valid frames (pings, pongs, short texts), then,
//! once the server is asleep, a frame broken at random: FIN, RSV1-3, opcode and MASK flipped;
//! the 7-bit, 16-bit and 64-bit lengths written non-minimally, off by a few, at the frame limit
//! or with the top bit set; control frames of 125, 126, 127 bytes and more; closes of 0, 1, 2
//! or more bytes with codes no endpoint may send and reasons that are not UTF-8; text that is
//! not UTF-8; payloads cut short. Sometimes more frames or junk follow; then the end of the
//! stream, a reset, or nothing. The same chunks, cut at random points, go in memory to a plain
//! tungstenite `WebSocket` and to a `LeanStream` (in the server's role mostly, in the client's
//! too), and the server pings between chunks. Both must hand out the same messages after the
//! same chunks and end the same way: the same error, so the same close code the supervisor
//! sends for it (1002, 1007, 1009), the same end, or still reading with every byte taken; and
//! the peer must get the same frames from both. A stream still reading after two quiet pings
//! must be asleep exactly when the bytes end between whole messages.
//!
//! All in memory, polled by hand: no socket, no runtime, no sleep, and every loop is bounded,
//! so nothing can hang. The failing seed is printed; `WS_HEALTH_SEED=<seed>` reruns it alone
//! and prints its bytes.

#[path = "../support/mod.rs"]
mod support;

mod broken_frame;
mod frames;
mod generate;
mod readers;
mod wire;

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ws_health::tungstenite::protocol::Role;
use ws_health::tungstenite::Message;

use broken_frame::Raw;
use frames::ends_between_messages;
use generate::{bytes, cuts, server_ping, valid_frame, Limits};
use readers::{Event, Pair, Track};
use wire::End;

const SEEDS: u64 = 10_000;

/// What a run's broken part came to, for the tally.
fn outcome(events: &[(usize, Event)], from: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for (_, event) in events.iter().filter(|(step, _)| *step >= from) {
        seen.push(match event {
            Event::Message(Message::Close(_)) => "a close handed out".to_owned(),
            Event::Message(_) => continue,
            Event::Failed {
                code: Some(code), ..
            } => format!("failed with {code}"),
            Event::Failed { error, .. } => format!("failed without a close: {error}"),
            Event::Ended => "ended".to_owned(),
            Event::Stalled(_) | Event::WriteFailed(_) => format!("{event:?}"),
        });
    }
    if !events
        .last()
        .is_some_and(|(_, e)| matches!(e, Event::Failed { .. } | Event::Ended))
    {
        seen.push("still reading".to_owned());
    }
    seen
}

/// One seed's run; what its broken part came to.
fn run(seed: u64, verbose: bool) -> Vec<String> {
    let rng = &mut StdRng::seed_from_u64(seed);
    let role = if rng.random_bool(0.8) {
        Role::Server
    } else {
        Role::Client
    };
    let limits = Limits::new(rng);
    let config = limits.config();
    let mut pair = Pair::new(role, config, format!("seed {seed}: {role:?}, {limits:?}"));

    // Valid frames, each read whole; the server pings until it sleeps (after a text, twice).
    let prefix: Vec<u8> = (0..rng.random_range(0..=4))
        .flat_map(|_| valid_frame(rng, role, limits))
        .collect();
    let mut from = 0;
    for end in cuts(rng, prefix.len(), 0) {
        if end > from {
            pair.feed(&prefix[from..end]);
        }
        from = end;
    }
    for _ in 0..3 {
        if pair.lean.ws.is_asleep() && !rng.random_bool(0.2) {
            break;
        }
        pair.ping(&server_ping(rng));
    }
    let valid = |(_, e): &(usize, Event)| matches!(e, Event::Message(_));
    assert!(
        pair.tracks[0].events.iter().all(valid),
        "seed {seed}: tungstenite refused the valid frames: {:?}",
        pair.tracks[0].events
    );
    let asleep = pair.lean.ws.is_asleep();
    pair.check(
        seed,
        false,
        match asleep {
            true => vec![],
            false => vec!["did not fall asleep after valid frames and three pings"],
        },
    );

    // The broken frame, then maybe more; the server pings between chunks now and then.
    let (mut raw, what) = Raw::any(rng, role, limits);
    // Left whole one time in ten: a valid frame of any kind, a lone pong the likeliest.
    let breaks = rng.random_range(0..10u32).div_ceil(3);
    let broken_by: Vec<_> = (0..breaks).map(|_| raw.mutate(rng, limits)).collect();
    pair.log
        .push(format!("broken frame: {what}, {broken_by:?}"));
    let mut broken = raw.bytes();
    let alone = broken.len();
    match rng.random_range(0..10) {
        0..=4 => {}
        5..=6 => {
            for _ in 0..rng.random_range(1..=2) {
                broken.extend(valid_frame(rng, role, limits));
            }
        }
        7..=8 => {
            let (mut raw, what) = Raw::any(rng, role, limits);
            let by = raw.mutate(rng, limits);
            pair.log.push(format!("then: {what}, {by}"));
            broken.extend(raw.bytes());
        }
        _ => broken.extend(bytes(rng, 1..=16)),
    }
    let first_broken_step = pair.step + 1;
    let asleep_before = pair.lean.pongs_read_asleep;
    let mut from = 0;
    for end in cuts(rng, broken.len(), alone) {
        pair.feed(&broken[from..end]);
        from = end;
        if end < broken.len() && rng.random_bool(0.15) {
            pair.ping(&server_ping(rng));
        }
    }
    // Still reading: quiet for two pings, it sleeps exactly when tungstenite holds nothing.
    let mut sleeps = None;
    if !pair.tracks.iter().any(Track::closed) {
        for _ in 0..2 {
            pair.ping(&server_ping(rng));
        }
        let asleep = pair.lean.ws.is_asleep();
        pair.log.push(format!("two pings later: asleep {asleep}"));
        sleeps = Some((ends_between_messages(&broken), asleep));
    }
    match rng.random_range(0..10) {
        0..=4 => pair.end(End::Eof),
        5 => pair.end(End::Reset),
        _ => {}
    }

    pair.check(
        seed,
        verbose,
        match sleeps {
            Some((true, false)) => vec!["stayed awake with nothing left in tungstenite"],
            Some((false, true)) => vec!["fell asleep with a frame or message half read"],
            _ => vec![],
        },
    );
    let mut seen = outcome(&pair.tracks[0].events, first_broken_step);
    if pair.lean.pongs_read_asleep > asleep_before {
        seen.push("a pong read asleep".to_owned());
    }
    seen.extend(sleeps.map(|(asleep, _)| match asleep {
        true => "asleep after two quiet pings".to_owned(),
        false => "kept awake by a frame or message half read".to_owned(),
    }));
    seen
}

#[test]
fn a_sleeping_stream_fails_random_broken_bytes_as_tungstenite_does() {
    let (seeds, verbose) = match std::env::var("WS_HEALTH_SEED") {
        Ok(seed) => (
            vec![seed.parse().expect("WS_HEALTH_SEED is a number")],
            true,
        ),
        Err(_) => ((0..SEEDS).collect(), false),
    };
    let mut tally = BTreeMap::<String, usize>::new();
    for &seed in &seeds {
        match panic::catch_unwind(AssertUnwindSafe(|| run(seed, verbose))) {
            Ok(seen) => seen
                .into_iter()
                .for_each(|s| *tally.entry(s).or_default() += 1),
            Err(failure) => {
                eprintln!("seed {seed} failed; rerun it with WS_HEALTH_SEED={seed}");
                panic::resume_unwind(failure);
            }
        }
    }
    println!(
        "{} seeds; what the broken frames came to: {tally:#?}",
        seeds.len()
    );
    if !verbose {
        // The generator still reaches what this test is for.
        for needed in [
            "a pong read asleep",
            "a close handed out",
            "failed with 1002",
            "failed with 1007",
            "failed with 1009",
            "still reading",
            "ended",
            "asleep after two quiet pings",
            "kept awake by a frame or message half read",
        ] {
            assert!(
                tally.contains_key(needed),
                "no run came to {needed:?}: {tally:#?}"
            );
        }
    }
}
