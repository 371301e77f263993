"""A Python `websockets` peer for ws-health's interop tests: a client or a server with the
library's own keepalive, reporting what it sees as JSON lines on stdout.

    python_peer.py client URL        connect (offering permessage-deflate, the default), send
                                     "hello", report the echo and the extensions agreed, ping
                                     once and report the latency, then report the close
    python_peer.py server INTERVAL TIMEOUT
                                     serve on 127.0.0.1:0 with ping_interval (0: none) and
                                     ping_timeout,
                                     report the port; echo, answer "ping me" with a ping's
                                     latency, "close CODE REASON" with that close, report each
                                     connection's close

A server ends when its stdin closes, a client with its connection; the test kills either
when it drops it.
"""

import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


def say(**event):
    print(json.dumps(event), flush=True)


def report_close(ws):
    # The close frame received (1006 if none came), as RFC 6455 7.1.5 defines it.
    say(event="closed", code=ws.close_code, reason=ws.close_reason)


async def stdin_closed():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def client(url):
    # No keepalive of its own: the test freezes this process to silence its pongs.
    async with connect(url, ping_interval=None) as ws:
        await ws.send("hello")
        extensions = [extension.name for extension in ws.protocol.extensions]
        say(event="echo", text=await ws.recv(), extensions=extensions)
        latency = await (await ws.ping())
        say(event="pong", latency=latency)
        try:
            while True:
                await ws.recv()
        except ConnectionClosed:
            report_close(ws)


async def server(interval, timeout):
    async def handler(ws):
        try:
            async for message in ws:
                if message == "ping me":
                    latency = await (await ws.ping())
                    await ws.send(f"latency {latency}")
                elif message.startswith("close "):
                    _, code, reason = message.split(" ", 2)
                    await ws.close(int(code), reason)
                else:
                    await ws.send(message)
        except ConnectionClosed:
            pass
        report_close(ws)

    async with serve(handler, "127.0.0.1", 0, ping_interval=interval or None, ping_timeout=timeout) as srv:
        port = srv.sockets[0].getsockname()[1]
        say(event="listening", port=port)
        await stdin_closed()


def main():
    mode = sys.argv[1]
    if mode == "client":
        run = client(sys.argv[2])
    else:
        run = server(float(sys.argv[2]), float(sys.argv[3]))
    asyncio.run(run)


if __name__ == "__main__":
    main()
