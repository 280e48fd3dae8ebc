#!/usr/bin/env python3
"""A TCP relay that adds latency, to count a client's round trips by time.

  lagproxy.py PORTFILE UPSTREAM_PORT DELAYFILE

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening) and
relays every connection to 127.0.0.1:UPSTREAM_PORT.  Bytes from the client
go on at once; bytes from the server reach the client DELAY_MS later (in
order), DELAY_MS being the number in DELAYFILE when the connection was
accepted (0 if unreadable), so one relay serves timed and untimed runs.
So every exchange in which the client waits for the server costs
DELAY_MS more than it would directly, and exchanges the client has in
flight at the same time, on one connection or several, cost it once: the
extra time of a run divided by DELAY_MS is the number of round trips on
its critical path.  TLS passes through untouched.  Runs until SIGTERM.
"""
import asyncio
import os
import signal
import sys


async def pipe_now(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def pipe_late(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                break
        try:
            writer.close()
        except OSError:
            pass

    task = asyncio.create_task(sender())
    try:
        while True:
            data = await reader.read(65536)
            await queue.put((loop.time() + delay, data if data else None))
            if not data:
                break
    except (ConnectionError, OSError):
        await queue.put((loop.time() + delay, None))
    await task


async def main():
    portfile, upstream, delayfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    async def handle(creader, cwriter):
        try:
            with open(delayfile) as f:
                delay = int(f.read().strip() or "0") / 1000.0
        except (OSError, ValueError):
            delay = 0.0
        try:
            ureader, uwriter = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pipe_now(creader, uwriter), pipe_late(ureader, cwriter, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.sockets[0].getsockname()[1])
    os.rename(tmp, portfile)
    async with server:
        await server.serve_forever()


if len(sys.argv) != 4:
    sys.exit("usage: lagproxy.py PORTFILE UPSTREAM_PORT DELAYFILE")
# relayed connections die with the relay; nothing to tidy
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
asyncio.run(main())
