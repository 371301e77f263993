//! An observer told of a status change finds that status on the connection itself: the
//! health is published before observers hear of it, so a hub subscriber or a custom
//! observer that looks the connection up never reads the status it just left.

mod support;

use std::sync::{Arc, Mutex};

use support::{mock_transport, ms};
use ws_health::supervisor::{ConnectionInfo, Observer, WeakSender};
use ws_health::{CheckSettings, Health, Sender, Status, Supervisor};

/// Records, at each status change, the status it announces and the one the connection has.
#[derive(Default)]
struct LookingUp {
    connection: Mutex<Option<WeakSender>>,
    seen: Mutex<Vec<(Status, Status)>>,
}

impl Observer for LookingUp {
    fn opened(&self, connection: &Sender, _: Option<std::net::SocketAddr>) {
        *self.connection.lock().unwrap() = Some(connection.downgrade());
    }

    fn status_changed(&self, _: u64, _: Status, health: &Health) {
        let connection = self.connection.lock().unwrap().as_ref().unwrap().upgrade();
        let found = connection
            .expect("the connection is alive")
            .health()
            .status();
        self.seen.lock().unwrap().push((health.status(), found));
    }
}

#[tokio::test(start_paused = true)]
async fn observer_sees_the_new_health_on_the_connection_it_is_told_of() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(200)))
        .build()
        .unwrap();
    let observer = Arc::new(LookingUp::default());
    let (transport, _peer) = mock_transport::pair(); // never answers: Unhealthy
    let info = ConnectionInfo::new().with_observer(observer.clone());
    let (conn, driver) = supervisor.attach_with(transport, info);
    tokio::spawn(driver);

    let mut health = conn.watch_health();
    support::within("Unhealthy", health.changed())
        .await
        .unwrap();
    assert_eq!(health.borrow().status(), Status::Unhealthy);
    let seen = observer.seen.lock().unwrap().clone();
    assert_eq!(seen, [(Status::Unhealthy, Status::Unhealthy)]);
}
