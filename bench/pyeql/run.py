"""Python eql's side of bench/pyeql.sh: loads the non-sequence EQL rules
tagged "OS: Windows" from the detection-rules folders given, parses them
with eql's Elasticsearch syntax, and streams the events of an ECS NDJSON
file through eql's PythonEngine, each event once per event.category value
(eql matches "process where" on the event's type). Prints the rules it
ran (rule ids, to --ids) and the CPU seconds the engine took (the JSON
decoding is not counted: only the engine's work).

usage: run.py --rules DIR [--rules DIR...] --events FILE --ids OUT
"""
import argparse
import json
import os
import sys
import time
import tomllib

import eql


def windows_eql_rules(dirs):
    for d in dirs:
        for root, subdirs, files in os.walk(d):
            subdirs[:] = [s for s in subdirs if s != "_deprecated" and not s.startswith(".")]
            for name in sorted(files):
                if not name.endswith(".toml"):
                    continue
                with open(os.path.join(root, name), "rb") as f:
                    doc = tomllib.load(f)
                r = doc.get("rule", {})
                if r.get("type") != "eql" or "OS: Windows" not in r.get("tags", []):
                    continue
                q = r.get("query", "")
                if q.lstrip().lower().startswith("sequence"):
                    continue
                yield r["rule_id"], q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", action="append", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--ids", required=True)
    a = ap.parse_args()

    queries, ids, failed = [], [], 0
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        for rid, q in windows_eql_rules(a.rules):
            try:
                parsed = eql.parse_query(q)
            except Exception:
                failed += 1
                continue
            queries.append(parsed)
            ids.append(rid)
    events = []
    with open(a.events) as f:
        for line in f:
            doc = json.loads(line)
            ts = doc.get("@timestamp", "")
            cats = (doc.get("event") or {}).get("category") or ["unknown"]
            if isinstance(cats, str):
                cats = [cats]
            for c in cats:
                events.append(eql.Event(c, ts, doc))
    docs = sum(1 for _ in open(a.events))

    matches = [0]

    def hit(_):
        matches[0] += 1

    # A query the engine cannot run is dropped before the timed run: one
    # it cannot compile (a function it lacks, such as cidrmatch), or one
    # that raises on some event of the sample (eql's engine does not take
    # arrays everywhere ECS has them: an "in" over a multi-valued field).
    # Each query is tried alone on a scratch engine over every event.
    config = {"flatten": True}
    engine = eql.PythonEngine(config)
    engine.add_output_hook(hit)
    runnable, raised = [], 0
    for rid, q in zip(ids, queries):
        try:
            scratch = eql.PythonEngine(config)
            scratch.add_query(q)
        except Exception:
            failed += 1
            continue
        try:
            for ev in events:
                scratch.stream_event(ev)
        except Exception:
            raised += 1
            continue
        engine.add_query(q)
        runnable.append(rid)
    ids = runnable
    with open(a.ids, "w") as f:
        f.write("\n".join(ids) + "\n")
    start = time.process_time()
    engine.stream_events(events)
    cpu = time.process_time() - start
    print(f"python eql {eql.__version__}: {len(ids)} rules ({failed} it could not parse or compile, {raised} raised on the sample), {docs} events "
          f"({len(events)} by category), {matches[0]} matches, {cpu:.2f} CPU-s, {docs / cpu:.0f} events/CPU-s")


if __name__ == "__main__":
    sys.exit(main())
