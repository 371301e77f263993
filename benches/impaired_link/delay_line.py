"""A netem of our own, for kernels built without sch_netem: packets that iptables hands to
NFQUEUE QUEUE are held DELAY ± JITTER ms (uniform) and dropped with probability LOSS %, each
packet on its own. With `reorder`, each packet keeps its own delay, so that packets sent
less than 2 × JITTER apart overtake each other, as netem's do; with `fifo`, none is let
through before one that came earlier, as on most real paths. benches/impaired_link.rs starts it and the
iptables rules that feed it, one rule for each direction of the cable, so a round trip gets
the delay twice.

    python delay_line.py QUEUE DELAY_MS JITTER_MS LOSS_PERCENT fifo|reorder

Commands on stdin, one per line: `loss P` (100 blackholes the link, and what is held is
still let through), `quit`. Needs `pip install netfilterqueue` (and libnetfilter-queue-dev).
"""

import heapq
import itertools
import random
import select
import sys
import time

from netfilterqueue import NetfilterQueue


def main():
    queue, delay, jitter, loss = int(sys.argv[1]), *map(float, sys.argv[2:5])
    reorder = sys.argv[5] == "reorder"
    held, order = [], itertools.count()
    state = {"loss": loss, "last": 0.0}

    def take(packet):
        if random.random() * 100 < state["loss"]:
            packet.drop()
            return
        due = time.monotonic() + (delay + random.uniform(-jitter, jitter)) / 1000
        if not reorder:
            due = state["last"] = max(due, state["last"])
        heapq.heappush(held, (due, next(order), packet))

    nfq = NetfilterQueue()
    nfq.bind(queue, take, max_len=65536)
    fd = nfq.get_fd()
    print("ready", flush=True)
    while True:
        wait = max(0.0, held[0][0] - time.monotonic()) if held else 1.0
        ready, _, _ = select.select([fd, sys.stdin], [], [], wait)
        if fd in ready:
            nfq.run(block=False)
        if sys.stdin in ready:
            words = sys.stdin.readline().split()
            if not words or words[0] == "quit":
                break
            if words[0] == "loss":
                state["loss"] = float(words[1])
        now = time.monotonic()
        while held and held[0][0] <= now:
            heapq.heappop(held)[2].accept()
    nfq.unbind()


if __name__ == "__main__":
    main()
