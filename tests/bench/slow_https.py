#!/usr/bin/env python3
"""HTTPS publishers that answer every request DELAY_MS late.

  slow_https.py CERT KEY DIR N DELAY_MS PORTFILE

N servers on 127.0.0.1, each on a port of the kernel's choosing (N
publishers: N origins, N connections); GET /NAME answers DIR/NAME after
DELAY_MS, without a validator (every run fetches the whole list, as on
a publisher's first day).  The ports, one a line, go to PORTFILE once
all listen.  Requests are answered on threads of their own: a delay
holds up nobody else.
"""
import http.server
import os
import ssl
import sys
import threading
import time

cert, key, root, n, delay, portfile = sys.argv[1:7]
delay = int(delay) / 1000.0


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        time.sleep(delay)
        try:
            with open(os.path.join(root, os.path.basename(self.path)), "rb") as f:
                body = f.read()
            code = 200
        except OSError:
            body, code = b"not found\n", 404
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class S(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ports = []
for _ in range(int(n)):
    srv = S(("127.0.0.1", 0), H)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    ports.append(srv.socket.getsockname()[1])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
with open(portfile + ".tmp", "w") as f:
    f.write("".join("%d\n" % p for p in ports))
os.rename(portfile + ".tmp", portfile)
threading.Event().wait()
