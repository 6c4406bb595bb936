#!/usr/bin/env python3
"""Compares every rendered value of vigil's evtx reader with evtxexport's, record by record.

    go build -o /tmp/evtxcount ./evtx/testdata/evtxcount
    find "$VIGIL_SHARED/data/evtx" -name '*.evtx' -print0 | xargs -0 python3 evtx/testdata/compare-values.py

Both outputs are parsed as XML and flattened to (path, text) pairs for every attribute and leaf
element. Known rendering differences are normalised first: evtxexport pads HexInt64 to 16 digits
(Windows does not), prints 9 fractional digits of FILETIME (Windows 7) and lower-case GUIDs in
places; control characters, which both copy from the record into the XML, are masked.
Prints COUNT for files where the record counts differ (the files evtxexport cannot read), DIFF for
records that differ, and a total.
"""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

EVTXCOUNT = "/tmp/evtxcount"
EVENT = re.compile(r"<Event[ >].*?</Event>", re.S)


def norm(s):
    if s is None:
        return ""
    s = s.strip()
    m = re.fullmatch(r"0x0*([0-9a-fA-F]+)", s)
    if m:
        return "0x" + m.group(1).lower()
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)Z", s)
    if m:
        return m.group(1) + "." + (m.group(2) + "0000000")[:7] + "Z"
    if re.fullmatch(r"\{[0-9a-fA-F-]{36}\}", s):
        return s.upper()
    return re.sub(r"\s+", " ", s)


def flat(e, path=""):
    out = []
    p = path + "/" + e.tag.split("}")[-1]
    for k, v in sorted(e.attrib.items()):
        out.append((p + "@" + k, norm(v)))
    kids = list(e)
    if not kids:
        out.append((p, norm(e.text)))
    for k in kids:
        out.extend(flat(k, p))
    return out


def mask(x):
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "?", x)


def main():
    bad = n = 0
    for f in sys.argv[1:]:
        ref = subprocess.run(["evtxexport", "-f", "xml", f], capture_output=True).stdout.decode("utf-8", "replace")
        evs = EVENT.findall(ref)
        out = subprocess.run([EVTXCOUNT, "-xml", "-workers", "1", f], capture_output=True).stdout.decode("utf-8", "replace")
        ours = EVENT.findall(out)
        if len(evs) != len(ours):
            print("COUNT", f, len(evs), len(ours))
            continue
        for a, b in zip(evs, ours):
            n += 1
            fa, fb = flat(ET.fromstring(mask(a))), flat(ET.fromstring(mask(b)))
            if fa != fb:
                bad += 1
                sa, sb = set(fa), set(fb)
                print("DIFF", f, "evtxexport only", [x for x in fa if x not in sb][:4], "ours only", [x for x in fb if x not in sa][:4])
    print("records", n, "differing", bad)


if __name__ == "__main__":
    main()
