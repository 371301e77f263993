"""Python `websockets` peer for the scale benchmark: `serve(ping_interval, ping_timeout)`.

Usage: python_server.py --interval-ms I --timeout-ms T [--max-secs S]
Prints `LISTENING <port>`; exits when stdin closes or after --max-secs.
"""

import argparse
import asyncio
import resource
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main(args):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    async with serve(
        echo,
        "127.0.0.1",
        0,
        ping_interval=args.interval_ms / 1000,
        ping_timeout=args.timeout_ms / 1000,
        close_timeout=1,
        backlog=4096,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"LISTENING {port}", flush=True)
        stdin_closed = loop.run_in_executor(None, sys.stdin.read)
        try:
            await asyncio.wait_for(stdin_closed, args.max_secs)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval-ms", type=int, default=10_000)
    parser.add_argument("--timeout-ms", type=int, default=10_000)
    parser.add_argument("--max-secs", type=int, default=900)
    arguments = parser.parse_args()
    asyncio.run(main(arguments))
    sys.exit(0)
