#!/usr/bin/env python3
"""Builds benchmark inputs from a directory of single-message files.

usage: mkcorpus.py SRC N KIND OUT

Repeats the files of SRC (in name order, whole copies) until there are at
least N messages, and writes them as KIND to OUT:

  maildir   OUT/{cur,new,tmp}, every message a file in new/
  mbox      one mbox file: a "From " line before each message, body lines
            that start with "From " escaped as ">From "
  distinct  a Maildir whose messages are all different: each copy gets its
            own "Message-ID: <bench-N@rebound.test>" on top and its old
            Message-ID header renamed X-Old-Message-ID (so that a ledger
            counts every one instead of skipping copies as duplicates)

A source file's own leading "From " envelope line is dropped.  Prints the
number of messages and bytes written.
"""
import os
import re
import sys

FROM = b"From MAILER-DAEMON Mon Jun  1 00:00:00 2026\n"
BODY_FROM = re.compile(rb"(?m)^From ")
OLD_ID = re.compile(rb"(?im)^message-id:")


def load(src):
    out = []
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        out.append(data)
    return out


def main():
    src, n, kind, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    msgs = load(src)
    copies = -(-n // len(msgs))
    total = copies * len(msgs)
    nbytes = 0
    if kind == "mbox":
        esc = []
        for m in msgs:
            m = BODY_FROM.sub(b">From ", m)
            if not m.endswith(b"\n"):
                m += b"\n"
            esc.append(FROM + m + b"\n")
        blob = b"".join(esc)
        with open(out + ".tmp", "wb") as f:
            for _ in range(copies):
                f.write(blob)
        os.rename(out + ".tmp", out)
        nbytes = len(blob) * copies
    else:
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(out, d), exist_ok=True)
        new = os.path.join(out, "new")
        i = 0
        for _ in range(copies):
            for m in msgs:
                if kind == "distinct":
                    nl = b"\r\n" if m.split(b"\n", 1)[0].endswith(b"\r") \
                        else b"\n"
                    m = (b"Message-ID: <bench-%d@rebound.test>" % i + nl +
                         OLD_ID.sub(b"X-Old-Message-ID:", m, count=1))
                name = "1780272000.M%07dP1.bench,S=%d" % (i, len(m))
                with open(os.path.join(new, name), "wb") as f:
                    f.write(m)
                nbytes += len(m)
                i += 1
    print(total, nbytes)


if __name__ == "__main__":
    main()
