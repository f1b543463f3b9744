#!/usr/bin/env python3
"""gen_month.py - 30 days of sends and bounces for the health tests.

usage: gen_month.py OUTDIR NOW [--spike PROVIDER] [--seed N]

Writes OUTDIR/bounces/ (one RFC 3464 DSN or RFC 5965 ARF message a file,
dated within the 30 days before NOW) and OUTDIR/sent.jsonl (one row per day
and recipient domain).  The month is quiet: per domain and day about 0.3%
hard bounces, 0.5% soft (some addresses soft-bounce day after day until the
policy gives them up), 0.1% blocks and 0.02% complaints, with a little
deterministic jitter.  --spike microsoft adds, in the last 24 hours, 150
blocks ("on our block list") at outlook.com and hotmail.com.

Prints a summary line: messages, sends, spike.
"""
import json
import os
import random
import sys
import time
from datetime import datetime, timezone

DAY = 86400

# domain: messages sent a day
VOLUME = {
    "gmail.com": 2000,
    "outlook.com": 1000,
    "hotmail.com": 500,
    "yahoo.com": 800,
    "web.de": 300,
}

HARD = ("5.1.1", "550", "550 5.1.1 <{rcpt}>: Recipient address rejected: "
        "User unknown in virtual mailbox table")
SOFT = ("4.2.2", "452", "452 4.2.2 <{rcpt}>: Mailbox full, quota exceeded")
BLOCK = ("5.7.1", "550", "550 5.7.1 Service unavailable; client host "
         "[203.0.113.5] blocked using Spamhaus; see "
         "https://www.spamhaus.org/query/ip/203.0.113.5")
SPIKE = ("5.7.1", "550", "550 5.7.1 Unfortunately, messages from "
         "[203.0.113.5] weren't sent. Please contact your Internet service "
         "provider since part of their network is on our block list (S3150)."
         " You can also refer your provider to "
         "http://mail.live.com/mail/troubleshooting.aspx#errors.")


def rfc2822(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))


def dsn(n, t, rcpt, code, campaign, action="failed"):
    status, reply, diag = code
    diag = diag.format(rcpt=rcpt)
    mx = "mx.%s" % rcpt.split("@")[1]
    b = "b%06d" % n
    return f"""Return-Path: <>
From: MAILER-DAEMON@out.sender.example (Mail Delivery System)
To: bounces@sender.example
Subject: Undelivered Mail Returned to Sender
Date: {rfc2822(t)}
Message-ID: <dsn{n}@out.sender.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"

--{b}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host out.sender.example.
I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--{b}
Content-Type: message/delivery-status

Reporting-MTA: dns; out.sender.example
Arrival-Date: {rfc2822(t - 60)}

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; {mx}
Diagnostic-Code: smtp; {diag}
Last-Attempt-Date: {rfc2822(t)}

--{b}
Content-Type: text/rfc822-headers

From: news@sender.example
To: {rcpt}
Subject: November news
Date: {rfc2822(t - 120)}
Message-ID: <send{n}@sender.example>
X-Campaign-Id: {campaign}

--{b}--
"""


def arf(n, t, rcpt, campaign):
    b = "f%06d" % n
    return f"""From: staff@fbl.{rcpt.split('@')[1]}
To: fbl@sender.example
Subject: FW: November news
Date: {rfc2822(t)}
Message-ID: <arf{n}@fbl.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="{b}"

--{b}
Content-Type: text/plain

This is an email abuse report for an email message received.

--{b}
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: FBL/1.0
Version: 1
Original-Rcpt-To: {rcpt}
Arrival-Date: {rfc2822(t)}
Source-IP: 203.0.113.5

--{b}
Content-Type: text/rfc822-headers

From: news@sender.example
To: {rcpt}
Subject: November news
Message-ID: <send{n}@sender.example>
X-Campaign-Id: {campaign}

--{b}--
"""


def main():
    args = sys.argv[1:]
    spike, seed = None, 7
    while len(args) > 2:
        if args[-2] == "--spike":
            spike = args[-1]
        elif args[-2] == "--seed":
            seed = int(args[-1])
        else:
            sys.exit("usage: gen_month.py OUTDIR NOW [--spike P] [--seed N]")
        args = args[:-2]
    if len(args) != 2:
        sys.exit("usage: gen_month.py OUTDIR NOW [--spike P] [--seed N]")
    out, now = args
    now = int(datetime.fromisoformat(now.replace("Z", "+00:00"))
              .astimezone(timezone.utc).timestamp())
    rnd = random.Random(seed)
    os.makedirs(os.path.join(out, "bounces"), exist_ok=True)
    n = 0
    sends = []

    def put(text):
        nonlocal n
        n += 1
        with open(os.path.join(out, "bounces", "%06d.eml" % n), "w") as f:
            f.write(text)

    chronic = {d: ["full%d@%s" % (i, d) for i in range(3)] for d in VOLUME}
    for ago in range(30, 0, -1):
        start = now - ago * DAY     # this day is [start, start + DAY)
        campaign = "nov-%02d" % (31 - ago)
        for dom, vol in VOLUME.items():
            sent = vol + rnd.randint(-vol // 20, vol // 20)
            sends.append({"time": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600)),
                "count": sent, "campaign": campaign, "domain": dom})
            counts = {
                "hard": max(0, round(sent * 0.003) + rnd.randint(-1, 1)),
                "soft": max(0, round(sent * 0.004) + rnd.randint(-1, 1)),
                "block": max(0, round(sent * 0.001) + rnd.randint(0, 1)),
                "complaint": 1 if rnd.random() < sent * 0.0002 else 0,
            }
            for kind, k in counts.items():
                for i in range(k):
                    t = start + 7200 + rnd.randint(0, DAY - 10800)
                    rcpt = "%s%d.%d@%s" % (kind, ago, i, dom)
                    if kind == "hard":
                        put(dsn(n, t, rcpt, HARD, campaign))
                    elif kind == "soft":
                        put(dsn(n, t, rcpt, SOFT, campaign, "failed"))
                    elif kind == "block":
                        put(dsn(n, t, rcpt, BLOCK, campaign))
                    else:
                        put(arf(n, t, rcpt, campaign))
            # The same few full mailboxes every day: chronic soft bounces.
            for rcpt in chronic[dom]:
                put(dsn(n, start + 5000 + rnd.randint(0, 3000), rcpt, SOFT,
                        campaign))
            if spike == "microsoft" and ago == 1 and \
                    dom in ("outlook.com", "hotmail.com"):
                for i in range(100 if dom == "outlook.com" else 50):
                    t = start + 3 * 3600 + i * 60
                    put(dsn(n, t, "user%d@%s" % (i, dom), SPIKE, campaign))
    with open(os.path.join(out, "sent.jsonl"), "w") as f:
        for s in sends:
            f.write(json.dumps(s) + "\n")
    print("messages %d sends %d spike %s" % (n, len(sends), spike or "none"))


if __name__ == "__main__":
    main()
