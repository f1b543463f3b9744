#!/usr/bin/env python3
"""imap_load.py - the Python half of tests/dovecot.sh (standard library only).

    imap_load.py freeport [N]
        print N (default 1) free TCP ports on 127.0.0.1, one a line
    imap_load.py bindable ADDRESS
        exit 0 when a socket can be bound on ADDRESS (e.g. 127.0.0.2)
    imap_load.py [CONNECTION] wait [--timeout S] [--pid PID]
        retry LOGIN until one succeeds (readiness); give up after S seconds
        (default 15) or as soon as process PID is gone or a zombie
    imap_load.py [CONNECTION] login
        one LOGIN, then LOGOUT.  Exit 0 ok, 2 the certificate was not
        trusted, 3 the login was refused, 1 anything else
    imap_load.py [CONNECTION] append [--mailbox M] FILE...
        IMAP APPEND each FILE in the order given (a leading mbox "From "
        line is dropped); prints the APPENDUID answers
    imap_load.py [CONNECTION] status [MAILBOX]
        print "messages N uidvalidity V uidnext U"; "messages 0" alone for
        a mailbox that does not exist
    imap_load.py maildir DEST SEQFILE UID GID SRC...
        write messages into the Maildir folder DEST (made with cur/ new/ tmp/
        when missing): each file through tmp/ and rename() into new/, named
        <T>.M<seq, zero-padded>P<pid>.rbtest,S=<size> so that Dovecot gives
        them UIDs in the order given.  SEQFILE keeps the sequence number
        across calls.  A SRC directory that holds cur/ or new/ is a Maildir
        (new/ then cur/, each in name order); any other directory gives its
        files in name order, recursively, skipping names that start with
        "." (the order `rebound ingest` reads them in).  A leading mbox
        "From " line is dropped (a delivery agent does not store it).
        UID/GID -1: leave the owner alone
    imap_load.py msgids DIR...
        print the Message-ID of every message in the Maildir folders DIR
        (cur/ and new/), one a line, sorted; "-" for a message without one
    imap_load.py distinct OUT N REBOUND
        write N distinct messages OUT/m00000 ... made from the fixtures
        (as tests/e2e/041-kill.sh does): each copy gets its own Message-ID
        <copy-I@rebound.test>, and two copies in three get their own
        recipients.  REBOUND is the binary (`rebound parse` finds them)

CONNECTION is --host H (127.0.0.1) --port P --tls none|starttls|implicit
(none) --ca FILE (default: the system trust store) --user U --password P.
"""
import argparse
import glob
import imaplib
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time

FROM_LINE = re.compile(rb"\AFrom [^\n]*\n")


def message_bytes(path):
    with open(path, "rb") as fh:
        data = fh.read()
    return FROM_LINE.sub(b"", data, count=1)


def freeport(args):
    socks = []
    for _ in range(args.n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    for s in socks:
        print(s.getsockname()[1])
    for s in socks:
        s.close()


def bindable(args):
    try:
        with socket.socket() as s:
            s.bind((args.address, 0))
    except OSError:
        sys.exit(1)


def connect(a, timeout=10):
    ctx = None
    if a.tls != "none":
        ctx = ssl.create_default_context(cafile=a.ca)
    if a.tls == "implicit":
        m = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx, timeout=timeout)
    else:
        m = imaplib.IMAP4(a.host, a.port, timeout=timeout)
        if a.tls == "starttls":
            m.starttls(ssl_context=ctx)
    m.login(a.user, a.password)
    return m


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait(a):
    end = time.monotonic() + a.timeout
    last = None
    while time.monotonic() < end:
        if a.pid and gone(a.pid):
            print("imap_load: the server (pid %d) is gone" % a.pid,
                  file=sys.stderr)
            sys.exit(1)
        try:
            m = connect(a, timeout=2)
            m.logout()
            return
        except (OSError, imaplib.IMAP4.error, EOFError) as e:
            last = e
        time.sleep(0.02)
    print("imap_load: no successful LOGIN within %gs: %s" % (a.timeout, last),
          file=sys.stderr)
    sys.exit(1)


def login(a):
    try:
        m = connect(a)
        m.logout()
    except ssl.SSLCertVerificationError as e:
        print("imap_load: certificate not trusted: %s" % e, file=sys.stderr)
        sys.exit(2)
    except imaplib.IMAP4.error as e:
        print("imap_load: login refused: %s" % e, file=sys.stderr)
        sys.exit(3)
    except (OSError, EOFError) as e:
        print("imap_load: %s" % e, file=sys.stderr)
        sys.exit(1)


def quote(mailbox):
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def append(a):
    m = connect(a)
    for f in a.files:
        typ, data = m.append(quote(a.mailbox), None, None, message_bytes(f))
        if typ != "OK":
            print("imap_load: APPEND %s: %s" % (f, data), file=sys.stderr)
            sys.exit(1)
        code = m.response("APPENDUID")[1]
        print(f, (code[0] or b"").decode())
    m.logout()


def status(a):
    m = connect(a)
    typ, data = m.status(quote(a.mailbox), "(MESSAGES UIDVALIDITY UIDNEXT)")
    m.logout()
    if typ != "OK":
        print("messages 0")
        return
    text = data[0].decode()
    got = dict(re.findall(r"(MESSAGES|UIDVALIDITY|UIDNEXT) (\d+)", text))
    print("messages %s uidvalidity %s uidnext %s" %
          (got["MESSAGES"], got["UIDVALIDITY"], got["UIDNEXT"]))


def sources(paths):
    for p in paths:
        if not os.path.isdir(p):
            yield p
        elif os.path.isdir(os.path.join(p, "cur")) or \
                os.path.isdir(os.path.join(p, "new")):
            for sub in ("new", "cur"):
                d = os.path.join(p, sub)
                if os.path.isdir(d):
                    for n in sorted(os.listdir(d)):
                        if not n.startswith("."):
                            yield os.path.join(d, n)
        else:
            for n in sorted(os.listdir(p)):
                if n.startswith("."):
                    continue
                q = os.path.join(p, n)
                if os.path.isdir(q):
                    yield from sources([q])
                else:
                    yield q


def maildir(a):
    uid, gid = a.uid, a.gid
    for sub in ("", "cur", "new", "tmp"):
        d = os.path.join(a.dest, sub)
        os.makedirs(d, mode=0o700, exist_ok=True)
        if uid >= 0:
            os.chown(d, uid, gid)
    try:
        with open(a.seqfile) as fh:
            seq = int(fh.read())
    except (OSError, ValueError):
        seq = 0
    stamp = 1700000000
    pid = os.getpid()
    n = 0
    for src in sources(a.src):
        data = message_bytes(src)
        seq += 1
        name = "%d.M%08dP%d.rbtest,S=%d" % (stamp, seq, pid, len(data))
        tmp = os.path.join(a.dest, "tmp", name)
        with open(tmp, "wb") as fh:
            fh.write(data)
        if uid >= 0:
            os.chown(tmp, uid, gid)
        os.rename(tmp, os.path.join(a.dest, "new", name))
        n += 1
    with open(a.seqfile, "w") as fh:
        fh.write("%d\n" % seq)
    print(n)


MSGID = re.compile(rb"(?im)^message-id:[ \t]*(.*?)\r?$")


def msgids(a):
    ids = []
    for d in a.dirs:
        for sub in ("cur", "new"):
            for f in glob.glob(os.path.join(d, sub, "*")):
                with open(f, "rb") as fh:
                    head = fh.read().split(b"\n\n", 1)[0]
                m = MSGID.search(head)
                ids.append(m.group(1).decode("utf-8", "replace") if m else "-")
    for i in sorted(ids):
        print(i)


def distinct(a):
    src = sorted(glob.glob("fixtures/twins/bsd/*.eml") +
                 glob.glob("fixtures/mailbox/sample/*/*.eml") +
                 glob.glob("fixtures/dsn/*.eml") +
                 glob.glob("fixtures/arf/*.eml") +
                 glob.glob("fixtures/autoreply/*.eml"))
    if not src:
        sys.exit("imap_load: no fixtures (run from the repository root)")
    fx = []
    for f in src:
        data = message_bytes(f)
        out = subprocess.run([a.rebound, "parse", "--jsonl", f],
                             capture_output=True).stdout.decode()
        rcpts = {json.loads(line)["recipient"] for line in out.splitlines()}
        fx.append((data, sorted((r for r in rcpts if r), key=len,
                                reverse=True)))
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.n):
        data, rcpts = fx[i % len(fx)]
        if i % 3:
            for r in rcpts:
                local, dom = r.split("@", 1)
                data = re.sub(re.escape(r.encode()),
                              f"{local}.c{i}@{dom}".encode(), data, flags=re.I)
        data = re.sub(rb"(?im)^message-id:", b"X-Old-Message-ID:", data,
                      count=1)
        head = f"Message-ID: <copy-{i}@rebound.test>\n".encode()
        with open(os.path.join(a.out, "m%05d" % i), "wb") as fh:
            fh.write(head + data)


def main():
    p = argparse.ArgumentParser(prog="imap_load.py")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=143)
    p.add_argument("--tls", choices=("none", "starttls", "implicit"),
                   default="none")
    p.add_argument("--ca")
    p.add_argument("--user", default="bounce")
    p.add_argument("--password", default="secret")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("freeport")
    s.add_argument("n", nargs="?", type=int, default=1)
    s.set_defaults(fn=freeport)
    s = sub.add_parser("bindable")
    s.add_argument("address")
    s.set_defaults(fn=bindable)
    s = sub.add_parser("wait")
    s.add_argument("--timeout", type=float, default=15)
    s.add_argument("--pid", type=int, default=0)
    s.set_defaults(fn=wait)
    s = sub.add_parser("login")
    s.set_defaults(fn=login)
    s = sub.add_parser("append")
    s.add_argument("--mailbox", default="INBOX")
    s.add_argument("files", nargs="+")
    s.set_defaults(fn=append)
    s = sub.add_parser("status")
    s.add_argument("mailbox", nargs="?", default="INBOX")
    s.set_defaults(fn=status)
    s = sub.add_parser("maildir")
    s.add_argument("dest")
    s.add_argument("seqfile")
    s.add_argument("uid", type=int)
    s.add_argument("gid", type=int)
    s.add_argument("src", nargs="+")
    s.set_defaults(fn=maildir)
    s = sub.add_parser("msgids")
    s.add_argument("dirs", nargs="+")
    s.set_defaults(fn=msgids)
    s = sub.add_parser("distinct")
    s.add_argument("out")
    s.add_argument("n", type=int)
    s.add_argument("rebound")
    s.set_defaults(fn=distinct)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
