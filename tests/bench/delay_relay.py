#!/usr/bin/env python3
"""A UDP DNS relay that answers every query DELAY_MS late.

  delay_relay.py LISTEN_ADDR LISTEN_PORT UPSTREAM_ADDR UPSTREAM_PORT DELAY_MS

For kernels without sch_netem (tc netem): the benchmark puts it in front
of nsd so that every query costs one delayed round trip.  Queries are
independent: many in flight are each delayed once, not queued.  One
upstream socket; answers are matched to clients by (query id, question).
"""
import asyncio
import sys


def qkey(data):
    """Query id and question section: the same in a query and its answer."""
    i = 12
    while i < len(data) and data[i]:
        i += 1 + data[i]
    return data[:2] + data[12:i + 5]


class Relay(asyncio.DatagramProtocol):
    def __init__(self, up, delay):
        self.up, self.delay, self.waiting = up, delay, {}
        self.down = self.upt = None

    def datagram_received(self, data, addr):
        if addr == self.up:
            client = self.waiting.pop(qkey(data), None)
            if client:
                asyncio.get_running_loop().call_later(self.delay, self.down.sendto, data, client)
            return
        self.waiting[qkey(data)] = addr
        self.upt.sendto(data, self.up)


class Up(asyncio.DatagramProtocol):
    def __init__(self, relay):
        self.relay = relay

    def datagram_received(self, data, addr):
        self.relay.datagram_received(data, self.relay.up)


async def main():
    addr, port, uaddr, uport, ms = sys.argv[1:6]
    loop = asyncio.get_running_loop()
    relay = Relay((uaddr, int(uport)), int(ms) / 1000.0)
    # Upstream first: a query that arrives as soon as the listening
    # socket is bound must find somewhere to go.
    relay.upt, _ = await loop.create_datagram_endpoint(lambda: Up(relay), remote_addr=relay.up)
    relay.down, _ = await loop.create_datagram_endpoint(lambda: relay, local_addr=(addr, int(port)))
    await asyncio.Event().wait()


asyncio.run(main())
