#!/usr/bin/env python3
"""SMTP clients that get themselves refused, one session per line of a
plan file: SOURCE_ADDR PORT HELO SENDER RCPT [pregreet]

A session connects from SOURCE_ADDR (an address of the namespace's
loopback), says HELO (with "pregreet", after an EHLO sent before the server's
greeting, which postscreen logs as PREGREET), MAIL FROM and RCPT TO, and
QUITs whatever the answers.  Prints each RCPT reply's code."""
import socket
import sys


def reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("connection closed")
        lines.append(line)
        if line[3:4] != b"-":
            return lines


def session(src, port, helo, sender, rcpt, pregreet):
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    dst = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(30)
    s.bind((src, 0))
    s.connect((dst, int(port)))
    f = s.makefile("rb")
    if pregreet:
        s.sendall(b"EHLO " + helo.encode() + b"\r\n")
    reply(f)
    # postscreen drops what came too early: the greeting is answered again.
    s.sendall(b"HELO " + helo.encode() + b"\r\n")
    reply(f)
    s.sendall(b"MAIL FROM:<" + sender.encode() + b">\r\n")
    reply(f)
    s.sendall(b"RCPT TO:<" + rcpt.encode() + b">\r\n")
    code = reply(f)[-1][:3].decode()
    s.sendall(b"QUIT\r\n")
    try:
        reply(f)
    except SystemExit:
        pass
    s.close()
    return code


for line in open(sys.argv[1]):
    w = line.split()
    if not w or w[0].startswith("#"):
        continue
    sender = "" if w[3] == "-" else w[3]
    print(w[0], session(w[0], w[1], w[2], sender, w[4], len(w) > 5 and w[5] == "pregreet"))
