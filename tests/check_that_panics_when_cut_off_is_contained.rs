//! A check whose future panics as it is dropped (a guard's `Drop`, when its run is cut off at
//! the timeout) is contained like a panic in its poll: its result is the timeout, and the
//! connection goes on. The panic ended the driver's task, and the connection with it.

mod support;

use support::{mock_transport, ms, recorded, Recorder};
use ws_health::{async_trait, CheckContext, Health, HealthCheck, Status, Supervisor};

struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("a guard that panics");
    }
}

struct Hangs;

#[async_trait]
impl HealthCheck for Hangs {
    async fn check(&self, _: &CheckContext) -> Health {
        let _guard = PanicsOnDrop;
        std::future::pending::<()>().await;
        unreachable!()
    }
}

#[tokio::test(start_paused = true)]
async fn check_that_panics_when_cut_off_is_contained() {
    let recorder = Recorder::default();
    let supervisor = Supervisor::builder()
        .with_check("hangs", Hangs, recorded(ms(1000), ms(500)))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(3));
    let conn = supervisor.supervise(transport);

    tokio::time::sleep(ms(1600)).await;
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].check_status, Status::Unhealthy);
    assert_eq!(events[0].reason, "timed out after 500ms");
    assert_eq!(conn.disconnect(), None, "the driver died with the panic");
}
