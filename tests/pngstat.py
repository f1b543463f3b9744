#!/usr/bin/env python3
"""pngstat.py - what a screenshot shows, for the report tests.

usage: pngstat.py FILE.png NAME=#RRGGBB...

Decodes the PNG (8-bit RGB or RGBA, not interlaced; what Chromium writes)
with the standard library only and prints one JSON object: the width and
height, and for each named colour the number of pixels of exactly that
colour, their bounding box [x0, y0, x1, y1], and the column holding the
longest vertical run of it ("tallest": [x, run]).
"""
import json
import struct
import sys
import zlib


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG" % path)
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit("%s: unsupported PNG (depth %d, colour type %d)" %
                 (path, depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ft = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    w, h, bpp, rows = decode(sys.argv[1])
    want = {}
    for arg in sys.argv[2:]:
        name, hexa = arg.split("=")
        want[bytes.fromhex(hexa.lstrip("#"))] = name
    out = {"width": w, "height": h}
    stats = {name: {"pixels": 0, "box": None, "tallest": [0, 0]}
             for name in want.values()}
    runs = {name: [0] * w for name in want.values()}
    for y, row in enumerate(rows):
        seen = set()
        for x in range(w):
            px = row[x * bpp:x * bpp + 3]
            name = want.get(px)
            if name is None:
                continue
            seen.add((name, x))
            s = stats[name]
            s["pixels"] += 1
            b = s["box"]
            s["box"] = [x, y, x, y] if b is None else \
                [min(b[0], x), min(b[1], y), max(b[2], x), max(b[3], y)]
            r = runs[name]
            r[x] += 1
            if r[x] > s["tallest"][1]:
                s["tallest"] = [x, r[x]]
        for name, r in runs.items():
            for x in range(w):
                if r[x] and (name, x) not in seen:
                    r[x] = 0
    out.update(stats)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
