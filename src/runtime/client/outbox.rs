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
pub(super) async fn close_after(
    queue: &mut QueueReceiver,
    pending: &mut Option<Message>,
    sender: &Sender,
    code: u16,
    reason: &str,
) -> usize {
    queue.close();
    let mut refused = 0;
    let mut hand_over = |message| refused += usize::from(sender.send_unbounded(message).is_err());
    if let Some(message) = pending.take() {
        hand_over(message);
    }
    // To the end, not to the first empty look: a `send` that took its slot before the close
    // queues its message a moment later (`recv` waits for it), and `send` told it Ok.
    while let Some(message) = queue.recv().await {
        hand_over(message);
    }
    let _ = sender.close(code, reason);
    refused
}

/// Refuses later sends and drops what is still queued, a message sent into a slot taken before
/// the close included (as `close_after`); returns how many messages that was.
pub(super) async fn discard(queue: &mut QueueReceiver, pending: &mut Option<Message>) -> usize {
    queue.close();
    let mut count = usize::from(pending.take().is_some());
    while queue.recv().await.is_some() {
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use tokio_tungstenite::tungstenite::Message;

    use super::super::queue::channel;
    use super::discard;

    /// A message sent into a slot taken before the close is counted, not lost: the queue was
    /// closed and looked empty while the slot was held (a `send` on another thread).
    #[tokio::test]
    async fn discard_counts_a_message_sent_into_a_slot_taken_before() {
        let (tx, mut rx) = channel(8, 1000);
        tx.try_send(Message::text("queued")).unwrap();
        let slot = tx.reserve(&Message::text("late")).await.unwrap();
        let mut pending = None;
        let mut cx = Context::from_waker(Waker::noop());
        let mut discarding = std::pin::pin!(discard(&mut rx, &mut pending));
        assert!(
            discarding.as_mut().poll(&mut cx).is_pending(),
            "the slot is held"
        );
        slot.send(Message::text("late"));
        assert_eq!(discarding.as_mut().poll(&mut cx), Poll::Ready(2));
    }
}
