#!/usr/bin/env python3
"""A TCP relay whose backend a case switches: one address for a source
whose server changes behind it (another certificate, another server).

usage: switch.py TARGETFILE PORTFILE

Listens on 127.0.0.1, a port of the kernel's choosing, written to
PORTFILE once listening (whole: it appears complete or not at all).
Each connection is relayed, bytes as they are (TLS ends at the backend),
to 127.0.0.1:PORT, PORT read from TARGETFILE when the connection comes.
"""
import os
import socket
import sys
import threading

target, portfile = sys.argv[1], sys.argv[2]


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(c):
    try:
        with open(target) as f:
            port = int(f.read().strip())
        s = socket.create_connection(("127.0.0.1", port))
    except (OSError, ValueError):
        c.close()
        return
    t = threading.Thread(target=pipe, args=(s, c), daemon=True)
    t.start()
    pipe(c, s)
    t.join()
    s.close()
    c.close()


ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
