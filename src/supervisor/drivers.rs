//! The live drivers of one supervisor, so that a reload reaches them at once: an idle
//! driver sleeps on its timer, which may be a whole interval away. Touched when a connection
//! opens and ends, and at a reload; never on a ping. Its table shrinks once mostly empty, so
//! that a peak of connections is not kept for good.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::shared::Shared;
use crate::keyed::Keyed;

#[derive(Default)]
pub(crate) struct Drivers(Mutex<Keyed<Weak<Shared>>>);

impl Drivers {
    /// Lists the driver of `shared` until the returned guard drops with the driver.
    pub(crate) fn register(self: &Arc<Self>, shared: &Arc<Shared>) -> Registered {
        let key = self.lock().insert(Arc::downgrade(shared));
        Registered {
            drivers: self.clone(),
            key,
        }
    }

    /// Wakes every listed driver, which takes the new plan as it runs.
    pub(crate) fn wake_all(&self) {
        // Woken outside the lock: a driver on another thread may end meanwhile.
        let live: Vec<Arc<Shared>> = {
            let drivers = self.lock();
            let mut live = Vec::with_capacity(drivers.len());
            live.extend(drivers.values().filter_map(Weak::upgrade));
            live
        };
        for shared in live {
            shared.wake_driver();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Keyed<Weak<Shared>>> {
        crate::sync::lock(&self.0)
    }
}

/// A driver's place in its supervisor's [`Drivers`].
pub(crate) struct Registered {
    drivers: Arc<Drivers>,
    key: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.drivers.lock().remove(self.key);
    }
}
