#!/usr/bin/env python3
"""A DNS forwarder (UDP and TCP) that never answers some queries.

  dnsproxy.py LISTEN_ADDR LISTEN_PORT UPSTREAM_PORT RULES [PORTFILE]

RULES lines: `NAME [TYPE...]`: queries for NAME (case-insensitive) whose
type is not among the TYPEs are dropped -- the client sees a timeout, as
from a dead server.  `*` as NAME matches every name.  Everything else is
passed to 127.0.0.1:UPSTREAM_PORT unchanged.  RULES is read again for
every query, so a test can kill a branch between two runs (however soon
after the last it rewrites the file).

LISTEN_PORT 0: a port free for both UDP and TCP, of the kernel's
choosing; once both sockets are bound (and TCP listens), the port is
written to PORTFILE (whole or not at all).
"""
import os
import socket
import struct
import sys
import threading

TYPES = {1: 'A', 28: 'AAAA', 15: 'MX', 16: 'TXT', 99: 'SPF', 12: 'PTR', 5: 'CNAME', 6: 'SOA'}


def question(pkt):
    labels, i = [], 12
    while i < len(pkt):
        l = pkt[i]
        if l == 0:
            i += 1
            break
        labels.append(pkt[i + 1:i + 1 + l].decode('latin-1'))
        i += 1 + l
    qtype = struct.unpack('!H', pkt[i:i + 2])[0] if i + 2 <= len(pkt) else 0
    return '.'.join(labels).lower(), TYPES.get(qtype, str(qtype))


def load(path):
    rules = {}
    for line in open(path):
        w = line.split()
        if w:
            rules[w[0].lower().rstrip('.')] = set(w[1:])
    return rules


class Rules:
    def __init__(self, path):
        self.path, self.rules = path, {}

    def get(self):
        try:
            self.rules = load(self.path)
        except OSError:
            pass
        return self.rules


def drop(rules, pkt):
    rules = rules.get()
    try:
        name, t = question(pkt)
    except Exception:
        return False
    for key in (name, '*'):
        if key in rules and t not in rules[key]:
            return True
    return False


def udp(sock, up, rules):
    while True:
        pkt, addr = sock.recvfrom(65535)
        if drop(rules, pkt):
            continue
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(2)
        try:
            u.sendto(pkt, ('127.0.0.1', up))
            sock.sendto(u.recvfrom(65535)[0], addr)
        except OSError:
            pass
        finally:
            u.close()


def tcp_conn(c, up, rules):
    try:
        while True:
            hdr = c.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                return
            n = struct.unpack('!H', hdr)[0]
            pkt = c.recv(n, socket.MSG_WAITALL)
            if drop(rules, pkt):
                continue
            u = socket.create_connection(('127.0.0.1', up), timeout=2)
            u.sendall(hdr + pkt)
            rh = u.recv(2, socket.MSG_WAITALL)
            rn = struct.unpack('!H', rh)[0]
            c.sendall(rh + u.recv(rn, socket.MSG_WAITALL))
            u.close()
    except OSError:
        pass
    finally:
        c.close()


def main():
    addr, port, up, rules = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Rules(sys.argv[4])
    portfile = sys.argv[5] if len(sys.argv) > 5 else None
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, port))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind((addr, s.getsockname()[1]))
        except OSError:
            if port:
                raise
            s.close()
            t.close()
            continue   # the TCP port is taken: another one
        break
    t.listen(64)
    if portfile:
        with open(portfile + ".tmp", "w") as f:
            f.write("%d\n" % s.getsockname()[1])
        os.rename(portfile + ".tmp", portfile)
    threading.Thread(target=udp, args=(s, up, rules), daemon=True).start()
    while True:
        c, _ = t.accept()
        threading.Thread(target=tcp_conn, args=(c, up, rules), daemon=True).start()


if __name__ == '__main__':
    main()
