"""Does the bulk loader's read model equal what the deployed reporting service rebuilds from the same stores?

    .venv/bin/python -m tests.bench.verify 2000

Loads ``scale`` centres into the bench's own store (tests/bench/loader.py), keeps a copy of every
read-model document, starts the services on those stores as processes (tests/bench/stack.py),
asks the reporting service to rebuild (RPC ``reporting.rebuild``: it reads the assignment and
milestones services over the broker, as ``cctrack reports rebuild`` does) and compares the two
document by document. Prints the differences and exits 1 if there are any.
"""
import warnings

with warnings.catch_warnings():  # eventlet announces its own deprecation on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import eventlet

eventlet.monkey_patch()

import subprocess  # noqa: E402
import sys  # noqa: E402

from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from shared.settings import settings  # noqa: E402
from tests.bench import privstore  # noqa: E402
from tests.bench.stack import Stack  # noqa: E402
from tests.support.paths import ROOT  # noqa: E402

NOT_REBUILT = ("applied", "snapshots")  # event keys and history: a rebuild keeps them, the loader writes none
# the day of the district document's last change (services/reporting/model.py, for its snapshots): set by the first
# change a running service applies (the pace timer's first tick at start, racing the rebuild), not by a rebuild
NOT_COMPARED = {"district": ("day",)}


def comparable(name, doc):
    return {k: v for k, v in doc.items() if k not in NOT_COMPARED.get(name, ())}


def read_model(client, prefix):
    db = client[prefix + "_reporting"]
    return {name: {doc["_id"]: comparable(name, doc) for doc in db[name].find({})}
            for name in sorted(db.list_collection_names()) if name not in NOT_REBUILT}


def differences(loaded, rebuilt, limit=20):
    out = []
    for name in sorted(set(loaded) | set(rebuilt)):
        a, b = loaded.get(name, {}), rebuilt.get(name, {})
        for doc_id in sorted(set(a) | set(b), key=str):
            if a.get(doc_id) != b.get(doc_id):
                out.append(f"{name}.{doc_id}: loaded {a.get(doc_id)!r} / rebuilt {b.get(doc_id)!r}")
                if len(out) >= limit:
                    return out
    return out


def main():
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    privstore.use()
    stack = Stack(keep=False)
    subprocess.run([sys.executable, "-m", "tests.bench.loader", str(scale), "--prefix", stack.tag], cwd=ROOT, check=True)
    client = MongoClient(settings().mongo_uri)
    loaded = read_model(client, stack.tag)
    stack.start()
    try:
        with ClusterRpcClient(uri=stack.amqp_uri, timeout=3600) as rpc:
            print("rebuild:", rpc.reporting.rebuild(), flush=True)
        rebuilt = read_model(client, stack.tag)
    finally:
        stack.stop()
        client.close()
    found = differences(loaded, rebuilt)
    counts = {name: len(docs) for name, docs in loaded.items()}
    print(f"read model documents compared: {counts}")
    print("\n".join(found) if found else "the loaded read model equals the rebuilt one")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
