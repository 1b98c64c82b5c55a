"""A delaying TCP proxy on loopback: a network with a fixed one-way delay between a device and
its server, for ``sync_bench.py --latency-ms``.

Counselors sync over mobile lines, where a round trip takes tens of milliseconds; on loopback it
takes a tenth of one, so a change that saves round trips (two push batches in flight, the pull's
first page asked for beside the probe) shows only with a delay in between. This adds latency,
not a bandwidth limit: every chunk read from one side is written to the other ``delay`` seconds
after it arrived, in order, so two requests in flight are delayed side by side, not one after
the other. Linux's ``netem`` would do the same for the whole interface, but needs a kernel module
and root, and would slow the benchmark's PostgreSQL connections too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from servers import free_port


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, chunk = await queue.get()
            if not chunk:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(chunk)
            await writer.drain()
        writer.close()

    delivering = asyncio.ensure_future(deliver())
    try:
        while True:
            chunk = await reader.read(65536)
            await queue.put((loop.time() + delay, chunk))
            if not chunk:
                break
        await delivering
    except (ConnectionError, asyncio.CancelledError):
        delivering.cancel()


@contextmanager
def delaying_proxy(target_port: int, delay_ms: float) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` forwarding to ``target_port`` with ``delay_ms`` each way."""
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    delay = delay_ms / 1000

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(_pump(reader, up_writer, delay), _pump(up_reader, writer, delay),
                             return_exceptions=True)

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        started.set()
        async with server:
            await server.serve_forever()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for task in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(task.cancel)
        thread.join(5)
