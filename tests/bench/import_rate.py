"""How fast a programme gets in: centres per second from the first upload until every centre's milestones
exist and until the read model holds them all (a figure, never a timed test).

    POSTGRES_DSN=postgresql://postgres@127.0.0.1:54320/ferretdb \
        .venv/bin/python -m tests.bench.import_rate --centres 10000 [--rows-per-file 100000]

``POSTGRES_DSN`` (the Makefile exports it) lets the services make FerretDB's GIN indexes; without it every
equality read scans its collection and the figures say little (the script warns; MongoDB needs none).

Every service runs as its own ``nameko run`` process on a vhost and database prefix of its own on the
shared broker and store (tests/bench/stack.py). The synthetic programme (tests/bench/generator.py) is
uploaded through ``POST /api/imports/allocation`` in files of whole offices; then the script waits
until the last centre's milestones answer (``GET /api/centres/<id>/milestones``) and until the read
model's district total (``GET /api/progress``) counts every milestone. Prints the figures as JSON.
"""
import warnings

with warnings.catch_warnings():  # eventlet announces its own deprecation on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import requests  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402

from shared.settings import settings  # noqa: E402
from tests.bench import generator  # noqa: E402
from tests.bench.stack import Stack  # noqa: E402


def expected_milestones(centres):
    return sum(len(list(generator.milestones_of(c))) for c in centres)


def files_of(count, rows_per_file):
    lines = generator.allocation_csv(count).splitlines(keepends=True)
    per_file = generator.CENTRES_PER_OFFICE * max(1, rows_per_file // generator.CENTRES_PER_OFFICE)
    return [lines[0] + "".join(lines[i:i + per_file]) for i in range(1, len(lines), per_file)]


def wait(check, limit_s):
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > limit_s:
            raise RuntimeError(f"not reached within {limit_s} s")
        time.sleep(1)


def run(count, rows_per_file, limit_s):
    if not settings().postgres_dsn:
        print("warning: POSTGRES_DSN is unset: on FerretDB no GIN index is made (see the docstring)", file=sys.stderr)
    centres = list(generator.centres(count))
    total = expected_milestones(centres)
    files = files_of(count, rows_per_file)
    stack = Stack()
    stack.start()
    figures = {"centres": count, "milestones": total, "files": len(files), "load_before": os.getloadavg()[0]}
    try:
        with ClusterRpcClient(uri=stack.amqp_uri, timeout=900) as rpc:
            token = rpc.gateway.create_token("admin", None, "import-rate")["token"]
        http = requests.Session()
        http.headers["Authorization"] = "Bearer " + token
        start = time.perf_counter()
        for n, text in enumerate(files):
            response = http.post(stack.base + "/api/imports/allocation", timeout=3600,
                                 files={"file": (f"rate{n}.csv", text.encode("utf-8"))})
            if not response.ok:
                raise RuntimeError(f"import refused: {response.status_code} {response.text[:500]}")
        figures["import_http_s"] = time.perf_counter() - start
        print(json.dumps(figures), flush=True)
        last = "{}/api/centres/{}/milestones".format(stack.base, centres[-1]["id"])
        wait(lambda: http.get(last, timeout=600).ok, limit_s)
        figures["milestones_exist_s"] = time.perf_counter() - start
        print(json.dumps(figures), flush=True)

        def modelled():
            response = http.get(stack.base + "/api/progress", timeout=600)
            return response.ok and response.json()["totals"]["total"] >= total
        wait(modelled, limit_s)
        figures["read_model_s"] = time.perf_counter() - start
        for key in ("import_http_s", "milestones_exist_s", "read_model_s"):
            figures[key.replace("_s", "_centres_per_s")] = round(count / figures[key], 1)
        figures["load_after"] = os.getloadavg()[0]
        figures["peak_memory_mib"] = {k: round(v or 0) for k, v in stack.peak_memory_mib().items()}
    finally:
        stack.stop()
    print(json.dumps(figures), flush=True)
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--centres", type=int, default=10000)
    parser.add_argument("--rows-per-file", type=int, default=100000)
    parser.add_argument("--limit-s", type=int, default=7200, help="give up waiting after this many seconds")
    args = parser.parse_args()
    run(args.centres, args.rows_per_file, args.limit_s)


if __name__ == "__main__":
    main()
