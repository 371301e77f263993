//! The channel of a client's events, made at the first [`Client::events`](super::Client::events)
//! call: until then the client keeps the events in a queue that grows with them, so that a
//! client nobody asks events of holds the few it had, not room for [`CAPACITY`] of them
//! (20 KiB, most of what an idle client held).

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::broadcast;

use super::ClientEvent;

/// Events kept for a subscriber that falls behind, and before the first one.
pub(super) const CAPACITY: usize = 256;

// The channel keeps `CAPACITY.next_power_of_two()`: `subscribe` counts on `CAPACITY`.
const _: () = assert!(CAPACITY.is_power_of_two());

/// A client's events: kept until the first subscriber, then broadcast.
pub(super) struct EventChannel {
    state: Mutex<State>,
}

enum State {
    /// Nobody has subscribed: the last `CAPACITY` events, and how many came before them.
    Early {
        kept: VecDeque<ClientEvent>,
        dropped: u64,
    },
    Open(broadcast::Sender<ClientEvent>),
}

impl EventChannel {
    pub(super) fn new() -> Self {
        EventChannel {
            state: Mutex::new(State::Early {
                kept: VecDeque::new(),
                dropped: 0,
            }),
        }
    }

    /// Sends `event` to every subscriber; keeps it for the first if there is none yet.
    pub(super) fn send(&self, event: ClientEvent) {
        match &mut *crate::sync::lock(&self.state) {
            State::Open(sender) => {
                let _ = sender.send(event);
            }
            State::Early { kept, dropped } => {
                if kept.len() == CAPACITY {
                    kept.pop_front();
                    *dropped += 1;
                }
                kept.push_back(event);
            }
        }
    }

    /// The events from now on; for the first subscriber, from the start, as a receiver made
    /// with the channel would have them: past `CAPACITY`, `Lagged` with the count of the
    /// events it missed, then the last `CAPACITY`.
    pub(super) fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        let mut state = crate::sync::lock(&self.state);
        let (kept, dropped) = match &mut *state {
            State::Open(sender) => return sender.subscribe(),
            State::Early { kept, dropped } => (std::mem::take(kept), *dropped),
        };
        let (sender, receiver) = broadcast::channel(CAPACITY);
        // `broadcast` counts what a receiver missed from positions only: the missed events'
        // places are taken by as many stand-ins, which the kept events (`CAPACITY` of them
        // once any was dropped) overwrite. No more sends than the channel would have taken,
        // had it been made with the client.
        for _ in 0..dropped {
            let _ = sender.send(ClientEvent::ConnectFailed {
                error: String::new(),
            });
        }
        for event in kept {
            let _ = sender.send(event);
        }
        *state = State::Open(sender);
        receiver
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::broadcast::error::TryRecvError;

    use super::*;

    fn event(n: u32) -> ClientEvent {
        ClientEvent::Reconnecting {
            attempt: n,
            delay: std::time::Duration::ZERO,
        }
    }

    /// What a receiver takes, to the first `Empty`.
    fn drain(receiver: &mut broadcast::Receiver<ClientEvent>) -> Vec<Result<u32, u64>> {
        let mut taken = Vec::new();
        loop {
            match receiver.try_recv() {
                Ok(ClientEvent::Reconnecting { attempt, .. }) => taken.push(Ok(attempt)),
                Ok(other) => panic!("not sent: {other:?}"),
                Err(TryRecvError::Lagged(missed)) => taken.push(Err(missed)),
                Err(err) => {
                    assert_eq!(err, TryRecvError::Empty);
                    return taken;
                }
            }
        }
    }

    #[test]
    fn the_first_subscriber_takes_what_a_receiver_made_with_a_channel_would() {
        for sent in [0, 1, 255, 256, 257, 300, 512, 513, 2000] {
            let (sender, mut made_first) = broadcast::channel(CAPACITY);
            let channel = EventChannel::new();
            for n in 0..sent {
                let _ = sender.send(event(n));
                channel.send(event(n));
            }
            let mut first = channel.subscribe();
            let expected = drain(&mut made_first);
            assert_eq!(drain(&mut first), expected, "after {sent} events");
            // And on from there alike.
            let _ = sender.send(event(sent));
            channel.send(event(sent));
            assert_eq!(drain(&mut first), drain(&mut made_first));
        }
    }

    #[test]
    fn later_subscribers_take_events_from_their_call_on() {
        let channel = EventChannel::new();
        channel.send(event(0));
        let mut first = channel.subscribe();
        channel.send(event(1));
        let mut later = channel.subscribe();
        channel.send(event(2));
        assert_eq!(drain(&mut first), [Ok(0), Ok(1), Ok(2)]);
        assert_eq!(drain(&mut later), [Ok(2)]);
    }

    #[test]
    fn the_kept_events_are_bounded() {
        let channel = EventChannel::new();
        for n in 0..10_000 {
            channel.send(event(n));
        }
        let State::Early { kept, dropped } = &*crate::sync::lock(&channel.state) else {
            panic!("nobody subscribed")
        };
        assert_eq!((kept.len(), *dropped), (CAPACITY, 10_000 - CAPACITY as u64));
    }
}
