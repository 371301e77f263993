//! The control: plain TCP over the same cable, without ws-health.

use std::time::Duration;

use tokio::time::Instant;

use super::{cable, over_seconds, quantiles};

/// The control: `conns` plain TCP connections, each echoing 6 bytes (a ping frame's size)
/// every `interval` for `secs`, as the ping check would if ws-health added nothing. Prints the
/// round trips, and how many exceeded 1, 2, 5, 10 and 20 s.
pub(crate) async fn plain_tcp(cable: &cable::Cable, conns: usize, secs: f64, interval: Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = cable.listen_at_far_end_on(0).unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut frame = [0u8; 6];
                while tcp.read_exact(&mut frame).await.is_ok() {
                    if tcp.write_all(&frame).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        tasks.push(tokio::spawn(async move {
            let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let mut rtts = Vec::new();
            let mut frame = [0u8; 6];
            let mut due = Instant::now() + interval;
            while due < end {
                tokio::time::sleep_until(due).await;
                let sent = Instant::now();
                tcp.write_all(&frame).await.unwrap();
                tcp.read_exact(&mut frame).await.unwrap();
                rtts.push(sent.elapsed().as_secs_f64() * 1000.0);
                due += interval.max(sent.elapsed());
            }
            rtts
        }));
        tokio::time::sleep(Duration::from_secs(1) / conns as u32).await;
    }
    let mut rtts = Vec::new();
    for task in tasks {
        rtts.extend(task.await.unwrap());
    }
    println!(
        "plain TCP, {conns} connections, a 6-byte echo every {interval:?}: {}",
        quantiles(&rtts)
    );
    println!("  {}", over_seconds(&rtts));
}

/// The cable's own round trip in ms, for comparison with the supervisor's: 100 bytes sent
/// one at a time over TCP and echoed by the far end (loss included).
pub(crate) async fn link_rtt(cable: &cable::Cable) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = cable.listen_at_far_end_on(0).unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut byte = [0u8];
        while tcp.read_exact(&mut byte).await.is_ok() && tcp.write_all(&byte).await.is_ok() {}
    });
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut rtts = Vec::new();
    let mut byte = [0u8];
    for _ in 0..100 {
        let sent = Instant::now();
        tcp.write_all(&byte).await.unwrap();
        tcp.read_exact(&mut byte).await.unwrap();
        rtts.push(sent.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    quantiles(&rtts)
}
