#!/usr/bin/env python3
"""mkbounce.py - writes synthetic bounce messages for the ledger tests.

Reads one message a line from standard input and writes each as a file in
DIR (a Maildir's new/ when DIR has one):

    NAME KIND RECIPIENT DATE [TO [ORCPT]]

KIND is hard, soft, block, delayed, delivered, complaint, unknown, odd or
vacation;
DATE is ISO 8601 UTC (2026-03-02T10:00:00Z); TO is the address the bounce was
delivered to (default bounces@example.org; give a VERP address to test VERP);
ORCPT an Original-Recipient.
Each message gets a Message-ID made from NAME, so NAMEs must be unique.
"""
import datetime
import os
import sys

DSN = {
    # status, action, diagnostic
    "hard": ("5.1.1", "failed",
             "550 5.1.1 <{r}>: Recipient address rejected: User unknown"),
    "soft": ("4.2.2", "failed",
             "452 4.2.2 <{r}>: Mailbox full, quota exceeded"),
    "block": ("5.7.1", "failed",
              "554 5.7.1 Service unavailable; client host [192.0.2.1] "
              "blocked using zen.spamhaus.org"),
    "delayed": ("4.4.7", "delayed",
                "421 4.4.7 Connection timed out, still trying"),
    "delivered": ("2.0.0", "delivered", "250 2.0.0 OK"),
    # a text no shipped rule knows (tests override it with --rules)
    "odd": ("5.0.0", "failed", "550 frobnicator said no"),
    # no diagnostic and no text at all: nothing can decide the reason
    "unknown": ("5.0.0", "failed", ""),
}


def rfc2822(iso):
    t = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def dsn(name, kind, rcpt, date, to, orcpt):
    status, action, diag = DSN[kind]
    text = "" if not diag else """--b1
Content-Type: text/plain

This is the mail system at host mx.example.net.

"""
    orcpt = f"Original-Recipient: rfc822; {orcpt}\n" if orcpt else ""
    diag = "" if not diag else \
        "Diagnostic-Code: smtp; " + diag.format(r=rcpt) + "\n"
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: {to}
Subject: Delivery Status Notification
Date: {rfc2822(date)}
Message-ID: <{name}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

{text}--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: {rfc2822(date)}

{orcpt}Final-Recipient: rfc822; {rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.{rcpt.split('@')[1]}
{diag}Last-Attempt-Date: {rfc2822(date)}

--b1
Content-Type: text/rfc822-headers

From: news@example.org
To: {rcpt}
Subject: Our newsletter
Message-ID: <orig-{name}@example.org>

--b1--
"""


def arf(name, rcpt, date, to):
    return f"""From: complaints@fbl.example.net
To: {to}
Subject: Abuse report
Date: {rfc2822(date)}
Message-ID: <{name}@fbl.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b2"

--b2
Content-Type: text/plain

This is an email abuse report.

--b2
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: fbl/1.0
Version: 1
Original-Rcpt-To: {rcpt}
Arrival-Date: {rfc2822(date)}

--b2
Content-Type: message/rfc822

From: news@example.org
To: {rcpt}
Subject: Our newsletter
Message-ID: <orig-{name}@example.org>

Hello.

--b2--
"""


def vacation(name, rcpt, date, to):
    return f"""From: {rcpt}
To: {to}
Subject: Out of office: Our newsletter
Date: {rfc2822(date)}
Message-ID: <{name}@{rcpt.split('@')[1]}>
Auto-Submitted: auto-replied

I am on vacation until next week.
"""


def main():
    out = sys.argv[1]
    if os.path.isdir(os.path.join(out, "new")):
        out = os.path.join(out, "new")
    os.makedirs(out, exist_ok=True)
    for line in sys.stdin:
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        name, kind, rcpt, date = f[:4]
        to = f[4] if len(f) > 4 else "bounces@example.org"
        if kind == "complaint":
            text = arf(name, rcpt, date, to)
        elif kind == "vacation":
            text = vacation(name, rcpt, date, to)
        else:
            text = dsn(name, kind, rcpt, date, to,
                       f[5] if len(f) > 5 else "")
        with open(os.path.join(out, name), "w") as fh:
            fh.write(text)


main()
