"""Ships an NDJSON file to vigil serve with the official Python client.

usage: ship.py URL FILE

Each line of FILE goes to the index its data_stream fields name, through
elasticsearch.helpers.bulk (create actions); then the indices are
refreshed. Prints the number of documents shipped.
"""
import json
import sys

from elasticsearch import Elasticsearch, helpers


def actions(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            doc = json.loads(line)
            ds = doc.get("data_stream", {})
            index = "%s-%s-%s" % (ds.get("type"), ds.get("dataset"), ds.get("namespace"))
            yield {"_op_type": "create", "_index": index, "_source": doc}


def main():
    url, path = sys.argv[1], sys.argv[2]
    es = Elasticsearch(url)
    info = es.info()
    ok, errors = helpers.bulk(es, actions(path), chunk_size=7, raise_on_error=False)
    if errors:
        print("errors:", errors, file=sys.stderr)
        sys.exit(1)
    es.indices.refresh()
    print(ok, info["version"]["number"])


if __name__ == "__main__":
    main()
