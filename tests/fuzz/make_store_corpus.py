#!/usr/bin/env python3
"""Seed inputs for fuzz_store: partition images written from the format in
docs/storage.md (an independent writer, so the seeds also check the doc).
Input layout: byte 0 = geometry selector (unit = [1,2,4,8,16][b % 5],
blocks = 3 + (b // 5) % 4, 1 KiB erase blocks), then the partition bytes.

    tests/fuzz/make_store_corpus.py tests/fuzz/corpus/store
"""
import os
import struct
import sys
import zlib

ERASE = 1024
PAYLOAD = ERASE - 32


def crc(data, start=0):
    return zlib.crc32(data, start) & 0xFFFFFFFF


def area(a, b, c):
    head = struct.pack("<III", a, b, c)
    return head + struct.pack("<I", crc(head))


def records(recs):
    return b"".join(struct.pack("<HH", t, len(d)) + d for t, d in recs)


def image(blocks, snapshots, erase_counts=None, torn=()):
    """snapshots: list of (first_block, seq, recs); torn: indexes whose
    commit area is left blank (a cut before the commit)."""
    mem = bytearray(b"\xff" * (blocks * ERASE))
    for n, (first, seq, recs) in enumerate(snapshots):
        payload = records(recs)
        span = max(1, -(-len(payload) // PAYLOAD))
        for i in range(span):
            b = (first + i) % blocks
            count = (erase_counts or {}).get(b, 1)
            mem[b * ERASE:b * ERASE + 16] = area(0x02525341, seq, count)
            chunk = payload[i * PAYLOAD:(i + 1) * PAYLOAD]
            mem[b * ERASE + 32:b * ERASE + 32 + len(chunk)] = chunk
        if n not in torn:
            mem[first * ERASE + 16:first * ERASE + 32] = area(len(payload), crc(payload), seq)
    return bytes(mem)


def selector(unit_index, blocks):
    return bytes([unit_index + 5 * (blocks - 3)])


def main(out):
    os.makedirs(out, exist_ok=True)
    key = bytes(range(121))
    chain = (b"-----BEGIN CERTIFICATE-----\n" + b"QUJD" * 400 + b"\n-----END CERTIFICATE-----\n")
    account = b"https://ca.test/dir\0https://ca.test/acct/1\0ca.test"
    seeds = {
        "blank": selector(0, 3),
        "one-snapshot": selector(4, 3) + image(3, [(0, 1, [(2, key), (16, account)])]),
        "two-blocks": selector(2, 4) + image(4, [(1, 7, [(2, key), (4, key), (5, chain)])]),
        "older-and-newer": selector(3, 3) + image(3, [(0, 4, [(2, key)]), (1, 5, [(2, key[:60]), (8, b"")])]),
        "newer-torn": selector(1, 3) + image(3, [(0, 4, [(2, key)]), (1, 5, [(5, chain)])], torn={1}),
        "wraps-around": selector(4, 3) + image(3, [(2, 9, [(5, chain), (7, account)])]),
        "empty-snapshot": selector(0, 5) + image(5, [(3, 2, [])]),
        "worn": selector(4, 6) + image(6, [(5, 300, [(2, key), (16, account), (17, account)])],
                                       erase_counts={5: 99999}),
        "full-index": selector(4, 3) + image(3, [(0, 3, [(t, bytes([t]) * 3) for t in range(1, 17)])]),
        "foreign": selector(2, 3) + bytes((i * 37) & 0xFF for i in range(3 * ERASE)),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/store")
