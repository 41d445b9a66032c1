"""The GIN indexes that shared/pgindex.py makes on FerretDB's PostgreSQL serve every hot query shape.

Runs against a real FerretDB v1.24 (the project's launcher, var/bin/cctrack-ferretdb) on the
real PostgreSQL cluster of deploy/scripts/infra.sh, started here on a free port so that it
does not depend on which backend the shared store on MONGO_URI uses. For every service's
store it goes through ``shared.mongo.Mongo.start`` (ensure_indexes, then provisioning) and
asks PostgreSQL to EXPLAIN the exact statement FerretDB sends for ``{_id: x}`` and for
equality on each declared field: the plan must read a GIN index, never the whole table.
"""
import os
import socket
import subprocess
import time
import types
import uuid

import pytest
from nameko import config

from shared import pgindex
from shared.mongo import Mongo
from tests.support.paths import ROOT
from tests.support.services import service_classes
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:{}/ferretdb".format(os.environ.get("POSTGRES_PORT", "54320"))
LAUNCHER = os.path.join(ROOT, "var", "bin", "cctrack-ferretdb")
# FerretDB's statement for a pushed-down equality (internal/backends/postgresql/query.go)
FERRET_EQUALITY = "SELECT _jsonb FROM {} WHERE _jsonb->$1 @> $2"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dsn():
    psycopg = pytest.importorskip("psycopg")
    value = os.environ.get("POSTGRES_DSN") or DEFAULT_DSN
    try:
        psycopg.connect(value, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL of the local store is not running at {value} ({exc}); "
                    "`deploy/scripts/infra.sh up` starts it")
    return value


@pytest.fixture(scope="module")
def ferret_pg(dsn):
    """A FerretDB on PostgreSQL of our own, on a free port; yields its MongoDB URI."""
    assert os.access(LAUNCHER, os.X_OK), "build the launcher first: deploy/scripts/infra.sh build"
    port = free_port()
    proc = subprocess.Popen([LAUNCHER, "-listen", f"127.0.0.1:{port}", "-backend", "postgresql",
                             "-postgresql-url", dsn.replace("postgresql://", "postgres://", 1)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def answers():
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0
    try:
        wait_for(answers, "FerretDB on PostgreSQL", timeout=30)
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def provisioned(ferret_pg, dsn):
    """Every service's store started through shared.mongo.Mongo, as a service container would."""
    prefix = "idx" + uuid.uuid4().hex[:8]
    providers = []
    with config.patch({"MONGO_URI": ferret_pg, "MONGO_DB_PREFIX": prefix, "POSTGRES_DSN": dsn}):
        for cls in service_classes():
            for value in vars(cls).values():
                if isinstance(value, Mongo):
                    provider = Mongo(value.store_cls)
                    provider.container = types.SimpleNamespace(service_name=cls.name)
                    provider.setup()
                    provider.start()
                    providers.append(provider)
        yield providers
        for provider in providers:
            provider.client.drop_database(provider.store.db.name)
            provider.stop()


def plan(conn, schema, table, field, value):
    from psycopg import sql

    conn.execute("DEALLOCATE ALL")
    conn.execute(sql.SQL("PREPARE q(text, jsonb) AS " + FERRET_EQUALITY).format(sql.Identifier(schema, table)))
    explain = sql.SQL("EXPLAIN EXECUTE q({}, {})").format(sql.Literal(field), sql.Literal(value))
    rows = []
    for _ in range(7):  # a generic plan would take over after five executions
        rows = conn.execute(explain).fetchall()
    return "\n".join(row[0] for row in rows)


def test_every_store_of_every_service_is_provisioned(provisioned):
    names = {p.container.service_name for p in provisioned}
    assert {"assignment", "milestones", "inspections", "notifications", "gateway"} <= names
    for provider in provisioned:
        assert pgindex.store_collections(provider.store), provider.container.service_name


def test_each_hot_query_shape_reads_a_gin_index(provisioned, dsn):
    import psycopg

    checked = 0
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SET enable_seqscan = off")  # tiny tables: without an index the plan stays a Seq Scan
        for provider in provisioned:
            schema = provider.store.db.name
            for collection in pgindex.store_collections(provider.store):
                table = pgindex.table_of(conn, schema, collection.name)
                assert table, f"{schema}.{collection.name} has no table"
                fields = pgindex.declared_fields(collection)
                assert fields[0] == "_id"
                for field in fields:
                    text = plan(conn, schema, table, field, '"x"')
                    index = pgindex.index_name(table, field)
                    assert f"Bitmap Index Scan on {index}" in text, f"{schema}.{collection.name} {field}:\n{text}"
                    checked += 1
    assert checked >= 40


def test_a_find_through_ferretdb_uses_the_index(provisioned, dsn):
    """End to end: pymongo -> FerretDB -> PostgreSQL, counted by PostgreSQL's index statistics."""
    import psycopg

    provider = next(p for p in provisioned if p.container.service_name == "milestones")
    centres = provider.store.centres
    centres.insert_many([{"_id": f"c{i:05d}", "office": f"office{i % 300}", "level": "community"}
                         for i in range(6000)])
    schema = provider.store.db.name
    with psycopg.connect(dsn, autocommit=True) as conn:
        table = pgindex.table_of(conn, schema, "centres")
        conn.execute(f'ANALYZE "{schema}"."{table}"')

        def scans(field):
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute("SELECT idx_scan FROM pg_stat_user_indexes WHERE schemaname = %s AND indexrelname = %s",
                               [schema, pgindex.index_name(table, field)]).fetchone()
            return row[0]

        before = {field: scans(field) for field in ("_id", "office")}
        for _ in range(3):
            assert centres.find_one({"_id": "c00042"})["office"] == "office42"
            assert len(list(centres.find({"office": "office7"}))) == 20
        deadline = time.monotonic() + 15  # statistics reach pg_stat_* within about a second
        while time.monotonic() < deadline and not all(scans(f) > before[f] for f in before):
            time.sleep(0.3)
        assert scans("_id") > before["_id"] and scans("office") > before["office"]


def test_provisioning_is_skipped_without_postgres(monkeypatch):
    monkeypatch.delenv("POSTGRES_DSN", raising=False)
    with config.patch({"POSTGRES_DSN": None}):
        assert pgindex.provision(types.SimpleNamespace()) == []
