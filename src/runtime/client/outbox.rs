//! The client's queue of accepted messages on its way out: handed to the connection one at
//! a time, all at once when the application closes, or dropped when the client stops.

use tokio_tungstenite::tungstenite::Message;

use super::queue::QueueReceiver;
use crate::Sender;

/// Hands the pending message, else the next from the queue, to the connection, waiting for
/// room in its queue; `Err(None)` once the queue's senders are all gone (the client and its
/// handles; the client's drop is seen first, through its close request). Cancel-safe: the
/// message stays in `pending` until the connection took it (or refused it).
pub(super) async fn forward(
    pending: &mut Option<Message>,
    queue: &mut QueueReceiver,
    sender: &Sender,
) -> Result<(), Option<crate::Error>> {
    let message = next_message(pending, queue).await.ok_or(None)?;
    sender.send(message).await.map_err(Some)
}

/// The pending message if there is one, else the next from the queue (cancel-safe).
async fn next_message(pending: &mut Option<Message>, queue: &mut QueueReceiver) -> Option<Message> {
    if let Some(message) = pending.clone() {
        return Some(message);
    }
    let message = queue.recv().await?;
    *pending = Some(message.clone());
    Some(message)
}

/// The application closed the client: hands everything `send` accepted to the connection,
/// which writes it before the close frame (past its queue's bounds: the client's queue is
/// bounded, in messages and bytes; their bytes are freed as they are taken), refuses later
/// sends and closes with `code` and `reason`. Returns how many messages the connection
/// refused because it was already closing.
pub(super) fn close_after(
    queue: &mut QueueReceiver,
    pending: &mut Option<Message>,
    sender: &Sender,
    code: u16,
    reason: &str,
) -> usize {
    queue.close();
    let queued = std::iter::from_fn(|| queue.try_recv());
    let refused = pending
        .take()
        .into_iter()
        .chain(queued)
        .map(|message| sender.send_unbounded(message))
        .filter(Result::is_err)
        .count();
    let _ = sender.close(code, reason);
    refused
}

/// Refuses later sends and drops what is still queued; returns how many messages that was.
pub(super) fn discard(queue: &mut QueueReceiver, pending: &mut Option<Message>) -> usize {
    queue.close();
    let mut count = usize::from(pending.take().is_some());
    while queue.try_recv().is_some() {
        count += 1;
    }
    count
}
