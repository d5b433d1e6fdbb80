#!/usr/bin/env python3
"""A minimal HTTP CONNECT proxy for the url_proxy case: usage
connectproxy.py PORT LOG [PORTFILE].  Each CONNECT target is logged;
bytes are relayed both ways until either side closes.  Loopback targets
only.  PORT 0: a free port of the kernel's choosing; once listening, the
port is written to PORTFILE (whole or not at all)."""
import os
import socket
import sys
import threading

port, log = int(sys.argv[1]), sys.argv[2]
portfile = sys.argv[3] if len(sys.argv) > 3 else None


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
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(c):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            d = c.recv(4096)
            if not d:
                return
            head += d
        line = head.split(b"\r\n", 1)[0].decode()
        method, target = line.split()[:2]
        with open(log, "a") as f:
            f.write(line + "\n")
        host, _, p = target.rpartition(":")
        if method != "CONNECT" or host not in ("localhost", "127.0.0.1"):
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        u = socket.create_connection(("127.0.0.1", int(p)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        t = threading.Thread(target=pipe, args=(u, c), daemon=True)
        t.start()
        pipe(c, u)
        t.join()
    except (OSError, ValueError):
        pass
    finally:
        c.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
if portfile:
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
