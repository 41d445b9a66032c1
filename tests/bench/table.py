"""The figures of `make bench` runs side by side, as a Markdown table (for docs/PERFORMANCE.md).

    .venv/bin/python -m tests.bench.table                      # the last run of each scale
    .venv/bin/python -m tests.bench.table "2026-12-02 16:40:01" # runs started at these times

run.py appends every run's figures to var/bench/results.jsonl after each step (the whole record so far), so
the last line of a run holds everything it measured; a run stopped part-way shows what it printed.
"""
import json
import os
import sys

from tests.bench.run import RESULTS

SKIP = ("date", "store", "run", "scale")


def runs(path=RESULTS):
    """{(scale, date): the last record of that run}, in file order."""
    found = {}
    if not os.path.exists(path):
        return found
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                found[(record["scale"], record["date"])] = record
    return found


def shown(value):
    if isinstance(value, dict) and "p50" in value:
        return "{:,.0f} / {:,.0f} ms (n={})".format(value["p50"], value["p99"], value["n"])
    if isinstance(value, float):
        return f"{value:,.0f}"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False).replace("|", "/")
    return str(value).replace("|", "/")


def table(records):
    labels = list(dict.fromkeys(k for r in records for k in r if k not in SKIP))
    lines = ["| figure | " + " | ".join("{:,} ({})".format(r["scale"], r["date"]) for r in records) + " |",
             "|---|" + "---:|" * len(records)]
    for label in labels:
        lines.append(f"| {label} | " + " | ".join(shown(r[label]) if label in r else "" for r in records) + " |")
    return "\n".join(lines)


def main():
    found = runs()
    if len(sys.argv) > 1:
        records = [r for (_scale, date), r in found.items() if date in sys.argv[1:]]
    else:
        last = {}
        for (scale, _date), record in found.items():
            last[scale] = record
        records = [last[s] for s in sorted(last)]
    print(table(records))


if __name__ == "__main__":
    main()
