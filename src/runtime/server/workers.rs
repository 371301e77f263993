//! The server's worker threads (`server.workers`): each runs a single-threaded tokio runtime,
//! and a new connection goes to the one with the fewest tasks. A connection's task, its
//! socket's readiness and its timer then all live on one thread, so a ping's wake-ups never
//! cross threads (docs/performance.md, "The runtime's threads").

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::{Error, ErrorKind, Result};

pub(super) struct Workers {
    workers: Vec<Worker>,
}

struct Worker {
    handle: Handle,
    /// Dropped with the `Workers`: the thread then drops its runtime and ends.
    _stop: oneshot::Sender<()>,
}

/// Waits for every worker thread to drop its runtime and end.
pub(super) struct Exited(Vec<(oneshot::Receiver<()>, std::thread::JoinHandle<()>)>);

impl Workers {
    /// Starts `count` threads, each with a runtime of its own.
    pub(super) fn start(count: usize) -> Result<(Workers, Exited)> {
        let mut workers = Vec::with_capacity(count);
        let mut exited = Vec::with_capacity(count);
        for index in 0..count {
            let (stop, stopped) = oneshot::channel::<()>();
            let (done, done_rx) = oneshot::channel::<()>();
            let (started, handle) = std::sync::mpsc::sync_channel(1);
            // The runtime is built and dropped on its own thread: never in the caller's
            // async context, where dropping a runtime panics.
            let thread = std::thread::Builder::new()
                .name(format!("ws-health-worker-{index}"))
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    let runtime = match runtime {
                        Ok(runtime) => runtime,
                        Err(err) => return drop(started.send(Err(err))),
                    };
                    let _ = started.send(Ok(runtime.handle().clone()));
                    let _ = runtime.block_on(stopped);
                    // Drops the tasks still there (a server dropped with its runtime), and
                    // does not wait for a handler's blocking work: a shutdown stays bounded.
                    runtime.shutdown_background();
                    drop(done);
                })
                .map_err(|err| thread_error("could not start a worker thread", err))?;
            let handle = handle
                .recv()
                .unwrap_or_else(|_| Err(std::io::Error::other("the thread ended at its start")))
                .map_err(|err| thread_error("could not build a worker's runtime", err))?;
            workers.push(Worker {
                handle,
                _stop: stop,
            });
            exited.push((done_rx, thread));
        }
        Ok((Workers { workers }, Exited(exited)))
    }

    /// The worker with the fewest tasks alive: a connection's one or two (a handler task
    /// beside the driver's), counted by tokio from the moment they are spawned.
    pub(super) fn pick(&self) -> &Handle {
        let worker = self
            .workers
            .iter()
            .min_by_key(|worker| worker.handle.metrics().num_alive_tasks())
            .expect("Workers::start makes at least one worker when asked for any");
        &worker.handle
    }
}

impl Exited {
    pub(super) async fn wait(self) {
        for (done, thread) in self.0 {
            let _ = done.await;
            // `done` is the thread's last act: joining it now blocks for no longer than
            // the thread takes to return.
            let _ = thread.join();
        }
    }
}

fn thread_error(what: &str, err: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{what}: {err}")).with_source(err)
}
