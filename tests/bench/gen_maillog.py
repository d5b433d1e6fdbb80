#!/usr/bin/env python3
"""gen_maillog.py SIZE_MIB OUT: a synthetic Postfix log of about SIZE_MIB
MiB, fast: 64 distinct blocks of ~64 KiB (each its own addresses), written
over and over.  In each block one line in ten is a rejection (relay
access denied, RBL, client, helo, sender; postscreen PREGREET and DNSBL
rank), over IPv4 and IPv6; the rest are the lines a busy smtpd, cleanup,
qmgr and smtp write.  Deterministic (no randomness): the same SIZE gives
the same file."""
import sys

size = int(sys.argv[1]) << 20
out = sys.argv[2]

OTHER = [
    "Dec  4 {t} mx postfix/smtpd[{pid}]: connect from mail{n}.example.net[198.18.{a}.{b}]",
    "Dec  4 {t} mx postfix/smtpd[{pid}]: 4Nx{n:06X}z: client=mail{n}.example.net[198.18.{a}.{b}]",
    "Dec  4 {t} mx postfix/cleanup[{pid}]: 4Nx{n:06X}z: message-id=<{n}.{a}@example.net>",
    "Dec  4 {t} mx postfix/qmgr[900]: 4Nx{n:06X}z: from=<user{n}@example.net>, size={pid}, nrcpt=1 (queue active)",
    "Dec  4 {t} mx postfix/smtp[{pid}]: 4Nx{n:06X}z: to=<bob@example.org>, relay=in.example.org[192.0.2.25]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Ny{n:06X})",
    "Dec  4 {t} mx postfix/qmgr[900]: 4Nx{n:06X}z: removed",
    "Dec  4 {t} mx postfix/smtpd[{pid}]: disconnect from mail{n}.example.net[198.18.{a}.{b}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
    "Dec  4 {t} mx dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=198.18.{a}.{b}, lip=192.0.2.1, mpid={pid}, TLS",
    "Dec  4 {t} mx postfix/anvil[901]: statistics: max connection rate 3/60s for (smtp:198.18.{a}.{b}) at Dec  4 {t}",
]
REJECT = [
    "Dec  4 {t} mx postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from o{n}.relay.example[198.51.{a}.{b}]: 554 5.7.1 <bob@elsewhere.example>: Relay access denied; from=<news{n}@shop{a}.example> to=<bob@elsewhere.example> proto=ESMTP helo=<o{n}.relay.example>",
    "Dec  4 {t} mx postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[203.0.{a}.{b}]: 554 5.7.1 Service unavailable; Client host [203.0.{a}.{b}] blocked using zen.spamhaus.org; from=<x{n}@bulk.example> to=<bob@example.org> proto=ESMTP helo=<x>",
    "Dec  4 {t} mx postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[2001:db8:{a:x}::{b:x}]: 450 4.7.1 Client host rejected: cannot find your hostname, [2001:db8:{a:x}::{b:x}]; from=<> to=<bob@example.org> proto=ESMTP helo=<y>",
    "Dec  4 {t} mx postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from h{n}.example[192.0.{a}.{b}]: 504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname; from=<a@b{a}.example> to=<bob@example.org> proto=SMTP helo=<localhost>",
    "Dec  4 {t} mx postfix/postscreen[{pid}]: PREGREET 11 after 0.0{b} from [198.51.{a}.{b}]:4{pid}: EHLO x\\r\\n",
    "Dec  4 {t} mx postfix/postscreen[{pid}]: DNSBL rank 3 for [203.0.{a}.{b}]:5{pid}",
]


def block(k):
    lines = []
    n = k * 1000
    while sum(len(l) + 1 for l in lines) < 64 * 1024:
        n += 1
        t = "%02d:%02d:%02d" % (n // 3600 % 24, n // 60 % 60, n % 60)
        f = dict(t=t, pid=1000 + n % 9000, n=n, a=k, b=n % 250 + 1)
        if n % 10 == 0:
            lines.append(REJECT[(n // 10) % len(REJECT)].format(**f))
        else:
            lines.append(OTHER[n % len(OTHER)].format(**f))
    return ("\n".join(lines) + "\n").encode()


blocks = [block(k) for k in range(64)]
written = 0
with open(out, "wb", buffering=1 << 22) as f:
    while written < size:
        for b in blocks:
            f.write(b)
            written += len(b)
            if written >= size:
                break
