#!/usr/bin/env python3
"""HTTPS server with scripted faults for the url_* integration cases.

usage: faultserver.py PORT CERT KEY FIXTURES LOG [PORTFILE]

PORT 0: a free port of the kernel's choosing.  Once the server listens,
its port is written to PORTFILE (written whole: it appears complete or
not at all).  "{port}" in LOG stands for the port.

Paths (all GET):
  /feed/NAME            the fixture feeds/NAME, 200
  /bad/NAME             the fixture bad/NAME, 200
  /status/CODE          that status; ?retry=N adds Retry-After: N
  /redirect?to=URL      302 to URL;  /loop/N  302 to /loop/N+1, forever
  /big?mb=N             200, N MiB of a valid-looking list, with Content-Length
  /endless              200, no Content-Length, lines forever
  /gzbomb?mb=N          200, Content-Encoding: gzip, N MiB of zeros compressed
  /truncated            200, Content-Length: 1000, 40 bytes, then close
  /trickle              200, one byte a second
  /drift                AWS-like JSON whose ip_prefix key was renamed
  /after/NAME?ms=N      the fixture feeds/NAME, N milliseconds late
  /together/NAME?n=N    the fixture feeds/NAME, but only once N requests to
                        /together are waiting at the same time (20 s at
                        most, else 503): answered only to clients that ask
                        at once
  /same                 whatever path (and query) the file fault-same beside
                        LOG names: one URL whose answer a case switches, as
                        a source's URL stays while its publisher breaks
Each request is logged to LOG: "PATH ua=[…] inm=[…] proxy-ish headers"
(for /same, the path it stood for).
"""
import gzip
import http.server
import io
import os
import ssl
import sys
import threading
import time
import urllib.parse

port, cert, key, fixtures, log = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
portfile = sys.argv[6] if len(sys.argv) > 6 else None


together = {}
together_lock = threading.Lock()


def meet(n):
    """Wait until n requests to /together wait; False after 20 s."""
    with together_lock:
        b = together.setdefault(n, threading.Barrier(n, timeout=20))
    try:
        b.wait()
        return True
    except threading.BrokenBarrierError:
        return False


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="application/json", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if urllib.parse.urlsplit(self.path).path == "/same":
            with open(os.path.join(os.path.dirname(log), "fault-same")) as f:
                self.path = f.read().strip()
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        with open(log, "a") as f:
            f.write("%s ua=[%s] inm=[%s]\n" % (self.path, self.headers.get("User-Agent"),
                                               self.headers.get("If-None-Match")))
        p = u.path
        try:
            if p.startswith("/feed/") or p.startswith("/bad/"):
                kind = "feeds" if p.startswith("/feed/") else "bad"
                with open(os.path.join(fixtures, kind, os.path.basename(p)), "rb") as f:
                    self.send(200, f.read())
            elif p.startswith("/after/"):
                time.sleep(int(q.get("ms", ["0"])[0]) / 1000.0)
                with open(os.path.join(fixtures, "feeds", os.path.basename(p)), "rb") as f:
                    self.send(200, f.read())
            elif p.startswith("/together/"):
                if meet(int(q.get("n", ["2"])[0])):
                    with open(os.path.join(fixtures, "feeds", os.path.basename(p)), "rb") as f:
                        self.send(200, f.read())
                else:
                    self.send(503, b"not together\n", "text/plain")
            elif p.startswith("/status/"):
                extra = [("Retry-After", q["retry"][0])] if "retry" in q else []
                self.send(int(p.split("/")[2]), b"<html><body>error</body></html>\n",
                          "text/html", extra)
            elif p == "/redirect":
                self.send(302, b"", extra=[("Location", q["to"][0])])
            elif p.startswith("/loop/"):
                n = int(p.split("/")[2])
                self.send(302, b"", extra=[("Location", "/loop/%d" % (n + 1))])
            elif p == "/big":
                n = int(q.get("mb", ["2"])[0]) << 20
                line = b"192.0.2.0/24\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(n))
                self.end_headers()
                sent = 0
                while sent < n:
                    chunk = line * min(5000, (n - sent) // len(line) + 1)
                    chunk = chunk[: n - sent]
                    self.wfile.write(chunk)
                    sent += len(chunk)
            elif p == "/endless":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Connection", "close")
                self.end_headers()
                while True:
                    self.wfile.write(b"192.0.2.0/24\n" * 5000)
            elif p == "/gzbomb":
                n = int(q.get("mb", ["64"])[0]) << 20
                buf = io.BytesIO()
                with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as g:
                    zeros = b"\n" * (1 << 20)
                    for _ in range(n >> 20):
                        g.write(zeros)
                self.send(200, buf.getvalue(), "text/plain", [("Content-Encoding", "gzip")])
            elif p == "/truncated":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"192.0.2.0/24\n198.51.100.0/24\n203.0.1")
                self.wfile.flush()
                self.close_connection = True
            elif p == "/trickle":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b"\n")
                    self.wfile.flush()
                    time.sleep(1)
            elif p == "/drift":
                self.send(200, b'{"syncToken":"1","prefixes":[{"ipPrefix":"192.0.2.0/24",'
                               b'"region":"GLOBAL","service":"AMAZON"}],"ipv6_prefixes":[]}')
            else:
                self.send(404, b"not found\n", "text/plain")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


class S(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


srv = S(("127.0.0.1", int(port)), H)   # bound and listening from here
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
port = srv.socket.getsockname()[1]
log = log.replace("{port}", str(port))
if portfile:
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
