//! The supervisor hook through which a hub follows its connections.

use std::net::SocketAddr;
use std::sync::Arc;

use super::registry::Entry;
use super::{HubEvent, HubInner, Side};
use crate::supervisor::{Disconnect, Observer};
use crate::{Health, Sender, Status};

pub(super) struct HubObserver {
    pub(super) hub: Arc<HubInner>,
    pub(super) side: Side,
}

impl Observer for HubObserver {
    fn opened(&self, connection: &Sender, peer: Option<SocketAddr>) {
        let id = connection.id();
        let entry = Entry {
            sender: connection.downgrade(),
            peer,
            side: self.side,
            status: Status::Healthy,
        };
        self.hub.lock().insert(id, entry);
        let _ = self.hub.events.send(HubEvent::Opened {
            id,
            side: self.side,
            peer,
        });
    }

    fn status_changed(&self, id: u64, from: Status, health: &Health) {
        let Some(peer) = self.hub.lock().set_status(id, health.status()) else {
            return;
        };
        let _ = self.hub.events.send(HubEvent::StatusChanged {
            id,
            side: self.side,
            peer,
            from,
            to: health.status(),
            reason: health.reason().to_owned(),
        });
    }

    fn closed(&self, id: u64, end: &Disconnect) {
        let empty = {
            let mut conns = self.hub.lock();
            // Sent under the lock (a broadcast send does not block): whoever sees the
            // connection gone (`len`, `wait_empty`) has its Closed event to read.
            if let Some(entry) = conns.remove(id) {
                let _ = self.hub.events.send(HubEvent::Closed {
                    id,
                    side: self.side,
                    peer: entry.peer,
                    disconnect: end.clone(),
                });
            }
            conns.is_empty()
        };
        if empty {
            self.hub.emptied.notify_waiters();
        }
    }
}
