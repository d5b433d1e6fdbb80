#!/usr/bin/env python3
"""A UDP DNS relay that answers every query DELAY_MS late.

  delay_relay.py LISTEN_ADDR LISTEN_PORT UPSTREAM_ADDR UPSTREAM_PORT DELAY_MS

For kernels without sch_netem (tc netem): the benchmark puts it in front
of nsd so that every query costs one delayed round trip.  Queries are
independent: many in flight are each delayed once, not queued.
"""
import asyncio
import sys


class Up(asyncio.DatagramProtocol):
    def __init__(self, down, client, data, delay):
        self.down, self.client, self.data, self.delay = down, client, data, delay

    def connection_made(self, transport):
        self.t = transport
        transport.sendto(self.data)

    def datagram_received(self, data, addr):
        asyncio.get_running_loop().call_later(self.delay, self.down.sendto, data, self.client)
        self.t.close()


class Down(asyncio.DatagramProtocol):
    def __init__(self, up, delay):
        self.up, self.delay = up, delay

    def connection_made(self, transport):
        self.t = transport

    def datagram_received(self, data, addr):
        loop = asyncio.get_running_loop()
        loop.create_task(loop.create_datagram_endpoint(
            lambda: Up(self.t, addr, data, self.delay), remote_addr=self.up))


async def main():
    addr, port, uaddr, uport, ms = sys.argv[1:6]
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Down((uaddr, int(uport)), int(ms) / 1000.0),
                                        local_addr=(addr, int(port)))
    await asyncio.Event().wait()


asyncio.run(main())
