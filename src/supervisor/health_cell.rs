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

    /// Replaces the health and tells the watchers, if any.
    pub(crate) fn set(&self, health: Health) {
        let mut current = self.lock();
        if let Some(watch) = self.watch.get() {
            watch.send_replace(health.clone());
        }
        *current = health;
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
