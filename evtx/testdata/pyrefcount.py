#!/usr/bin/env python3
"""Count records and (Channel, EventID) pairs of one EVTX file with python3-evtx.

Prints: count<TAB>histogram<TAB>status, like refcount.py; status is "ok" or the first error.
A second reference next to evtxexport, used by gen-reference.sh.
"""
import collections
import re
import sys

import Evtx.Evtx as evtx

CHANNEL = re.compile(r"<Channel>(.*?)</Channel>", re.S)
EVENTID = re.compile(r"<EventID(?: [^>]*)?>(\d+)</EventID>")

hist = collections.Counter()
n = 0
status = "ok"
try:
    with evtx.Evtx(sys.argv[1]) as log:
        for rec in log.records():
            try:
                x = rec.xml()
            except Exception as e:  # noqa: BLE001 - report and go on
                if status == "ok":
                    status = "error: " + type(e).__name__ + ": " + str(e).replace("\t", " ").replace("\n", " ")[:120]
                continue
            n += 1
            c = CHANNEL.search(x)
            e = EVENTID.search(x)
            hist[f"{c.group(1) if c else ''}/{e.group(1) if e else '?'}"] += 1
except Exception as e:  # noqa: BLE001
    status = "error: " + type(e).__name__ + ": " + str(e).replace("\t", " ").replace("\n", " ")[:120]
print(f"{n}\t" + ";".join(f"{k}={v}" for k, v in sorted(hist.items())) + f"\t{status}")
