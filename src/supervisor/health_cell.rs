//! A connection's current health, with a watch channel made only for those who watch.
//!
//! A `tokio::sync::watch` channel costs about 380 bytes; most connections are never
//! watched, so the channel is created on the first [`HealthCell::subscribe`].

use std::sync::{Mutex, MutexGuard, OnceLock};

use tokio::sync::watch;

use crate::Health;

pub(crate) struct HealthCell {
    current: Mutex<Health>,
    watch: OnceLock<watch::Sender<Health>>,
}

impl HealthCell {
    pub(crate) fn new(health: Health) -> Self {
        HealthCell {
            current: Mutex::new(health),
            watch: OnceLock::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Health> {
        crate::sync::lock(&self.current)
    }

    pub(crate) fn get(&self) -> Health {
        self.lock().clone()
    }

    /// Replaces the health and tells the watchers, if any. Only the driver sets it.
    pub(crate) fn set(&self, health: Health) {
        let mut current = self.lock();
        // Looked at under the lock, which `subscribe` makes the channel under: unwatched (most
        // connections), the health is moved in, not cloned.
        let Some(watch) = self.watch.get() else {
            *current = health;
            return;
        };
        *current = health.clone();
        // The lock let go before the watchers are told: a watcher holding a borrow of the
        // channel blocks `send_replace`, and may read the health meanwhile.
        drop(current);
        watch.send_replace(health);
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Health> {
        // Under the lock, so that no change falls between the snapshot and the channel.
        let current = self.lock();
        self.watch
            .get_or_init(|| watch::Sender::new(current.clone()))
            .subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    /// A watcher that holds a borrow of the channel blocks `set` (tokio's watch), and may
    /// still read the health meanwhile: `set` must not hold the health's lock while it waits.
    /// Before, the driver held it, and both threads waited on each other for good.
    #[test]
    fn a_watcher_holding_a_borrow_can_still_read_the_health() {
        use std::sync::{mpsc, Arc, TryLockError};
        use std::time::{Duration, Instant};

        let cell = Arc::new(HealthCell::new(Health::healthy("connected")));
        let rx = cell.subscribe();
        let borrowed = rx.borrow();
        let setter = {
            let cell = cell.clone();
            std::thread::spawn(move || cell.set(Health::degraded("slow")))
        };
        // Until the setter has stored the new health, or holds the lock while it waits.
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            match cell.current.try_lock() {
                Err(TryLockError::WouldBlock) => break,
                Ok(health) if health.status() == Status::Degraded => break,
                _ => assert!(Instant::now() < until, "the setter never ran"),
            }
            std::thread::yield_now();
        }
        let (tx, got) = mpsc::channel();
        let reader = {
            let cell = cell.clone();
            std::thread::spawn(move || tx.send(cell.get().status()).unwrap())
        };
        let read = got.recv_timeout(Duration::from_secs(10));
        drop(borrowed);
        setter.join().unwrap();
        assert!(
            read.is_ok(),
            "get() waited on the setter, which waited on the borrow"
        );
        reader.join().unwrap();
        assert_eq!(rx.borrow().status(), Status::Degraded);
    }

    #[test]
    fn watchers_see_changes_made_after_they_subscribed() {
        let cell = HealthCell::new(Health::healthy("connected"));
        cell.set(Health::degraded("slow"));
        let mut rx = cell.subscribe();
        assert_eq!(rx.borrow_and_update().status(), Status::Degraded);
        cell.set(Health::unhealthy("gone"));
        assert!(rx.has_changed().unwrap());
        assert_eq!(rx.borrow().status(), Status::Unhealthy);
        assert_eq!(cell.get().status(), Status::Unhealthy);
    }
}
