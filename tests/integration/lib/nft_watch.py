#!/usr/bin/env python3
"""Watch an nftables set while something updates it (run inside the
namespace).  Each round reads the ruleset generation (NFT_MSG_GETGEN over
netlink), lists the set with `nft -j list set`, and reads the generation
again.  A listing with the same generation before and after covers a
moment without any commit, so it shows the set exactly as the packet
path sees it; those are the ones judged.  (A listing during a commit may
be torn by the kernel's multi-part dump, with nft -f's own transactions
too, so it proves nothing either way and is only counted.)

usage: nft_watch.py FAMILY TABLE SET STOPFILE OUTFILE
OUTFILE gets one line per listing: "quiet|moving DIGEST COUNT".
"""
import hashlib, json, os, socket, struct, subprocess, sys

NFNL_SUBSYS_NFTABLES = 10
NFT_MSG_GETGEN, NFT_MSG_NEWGEN = 16, 15
NFTA_GEN_ID = 1


def getgen(sock, seq):
    msg = struct.pack("=LHHLL", 20, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
                      1 | 4, seq, 0) + struct.pack("=BBH", 0, 0, 0)
    sock.send(msg)
    gen = None
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, typ, flags, s, pid = struct.unpack_from("=LHHLL", data, off)
            if typ == 2:  # NLMSG_ERROR: the ACK ends the exchange
                err = struct.unpack_from("=i", data, off + 16)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return gen
            if typ == (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN:
                a = off + 20
                while a + 4 <= off + ln:
                    alen, atyp = struct.unpack_from("=HH", data, a)
                    if atyp & 0x3fff == NFTA_GEN_ID:
                        gen = struct.unpack_from(">L", data, a + 4)[0]
                    a += (alen + 3) & ~3
            off += (ln + 3) & ~3


def main():
    fam, table, name, stop, out = sys.argv[1:6]
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
    sock.bind((0, 0))
    seq = 1
    with open(out, "w") as f:
        while not os.path.exists(stop):
            g0 = getgen(sock, seq)
            p = subprocess.run(["nft", "-j", "list", "set", fam, table, name],
                               capture_output=True, text=True)
            g1 = getgen(sock, seq + 1)
            seq += 2
            if p.returncode != 0:
                f.write("failed - 0\n")
                continue
            elem = [x for x in json.loads(p.stdout)["nftables"] if "set" in x][0]["set"].get("elem", [])
            digest = hashlib.md5(json.dumps(elem, sort_keys=True).encode()).hexdigest()
            f.write("%s %s %d\n" % ("quiet" if g0 == g1 else "moving", digest, len(elem)))
            f.flush()


if __name__ == "__main__":
    main()
