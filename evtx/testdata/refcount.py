#!/usr/bin/env python3
"""Count records and (Channel, EventID) pairs in `evtxexport -f xml` output read from stdin.

Prints one line: count<TAB>histogram, the histogram being "Channel/EventID=n" items joined by
";" in sorted order. Used by gen-reference.sh.
"""
import collections
import re
import sys

EVENT = re.compile(r"<Event[ >].*?</Event>", re.S)
CHANNEL = re.compile(r"<Channel>(.*?)</Channel>", re.S)
CHANNEL_EMPTY = re.compile(r"<Channel/>")
EVENTID = re.compile(r"<EventID(?: [^>]*)?>(\d+)</EventID>")

text = sys.stdin.buffer.read().decode("utf-8", "replace")
hist = collections.Counter()
n = 0
for m in EVENT.finditer(text):
    ev = m.group(0)
    n += 1
    c = CHANNEL.search(ev)
    ch = c.group(1) if c else ""
    e = EVENTID.search(ev)
    eid = e.group(1) if e else "?"
    hist[f"{ch}/{eid}"] += 1
print(f"{n}\t" + ";".join(f"{k}={v}" for k, v in sorted(hist.items())))
