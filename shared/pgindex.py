"""GIN expression indexes for FerretDB on PostgreSQL, made from the stores' own declarations.

FerretDB v1.24 pushes ``{_id: x}`` and top-level scalar equality down to PostgreSQL as
``_jsonb->'field' @> '"value"'``, but the indexes it builds for ``create_index`` are btree
indexes on ``(_jsonb->'field')``, which cannot serve ``@>``: every such query reads the whole
table (FerretDB issue 4646). A GIN index on the same expression can. FerretDB will not make
one, so the project does, for every store:

- after ``ensure_indexes()`` (``shared.mongo.Mongo.start``), every collection the store holds
  as an attribute gets a GIN index on ``_id`` and on each top-level field named in any of its
  declared indexes (``index_information()``), so a new declared index cannot be forgotten;
- FerretDB keeps database ``<db>`` as PostgreSQL schema ``<db>`` and each collection as the
  table named in ``"<db>"._ferretdb_database_metadata`` (``_jsonb->>'table'``, keyed by
  ``_jsonb->>'_id'`` = the collection's name).

FerretDB sends the field name as a parameter (``_jsonb->$1 @> $2``) through cached prepared
statements; once PostgreSQL switches such a statement to a generic plan, no expression index
matches it any more (measured: 0.07 ms, then 9 ms from the sixth call on, at 20,000 documents).
So ``provision`` also sets ``plan_cache_mode = force_custom_plan`` on the database (the local
cluster of ``deploy/scripts/infra.sh`` starts with it too).

``POSTGRES_DSN`` unset (MongoDB in production) skips all of it; so does a PostgreSQL that
does not hold the store's schema (the store is another FerretDB, or MongoDB).
"""
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from pymongo.collection import Collection
from pymongo.errors import CollectionInvalid

from shared.settings import settings

if TYPE_CHECKING:  # psycopg is imported only when POSTGRES_DSN is set
    from psycopg import Connection

log = logging.getLogger(__name__)
METADATA_TABLE = "_ferretdb_database_metadata"


def declared_fields(collection: Collection[Any]) -> list[str]:
    """``_id`` and every top-level field that ``collection``'s indexes name, in a stable order."""
    fields = ["_id"]
    for spec in collection.index_information().values():
        for field, _direction in spec["key"]:
            top = field.split(".", 1)[0]
            if top not in fields:
                fields.append(top)
    return fields


def store_collections(store: object) -> list[Collection[Any]]:
    """The collections a store adapter holds as attributes (its declarations), including those of
    the store adapters it holds (the accounts store holds the sessions store)."""
    seen = {}
    for value in vars(store).values():
        if isinstance(value, Collection):
            seen[value.name] = value
        elif hasattr(value, "ensure_indexes") and hasattr(value, "__dict__"):
            seen.update((c.name, c) for c in store_collections(value))
    return [seen[name] for name in sorted(seen)]


def index_name(table: str, field: str) -> str:
    digest = hashlib.sha1(f"{table}\0{field}".encode()).hexdigest()[:8]
    safe = "".join(ch if ch.isalnum() else "_" for ch in field.lower())
    return f"{table[:30]}_gin_{safe[:20]}_{digest}"


def _value(conn: "Connection[Any]", query: str, params: list[Any] | None = None) -> Any:
    """The value of a query that answers one row of one column (``SELECT f(...)``, ``SHOW ...``)."""
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise RuntimeError(f"PostgreSQL answered no row to {query!r}")
    return row[0]


def holds_schema(conn: "Connection[Any]", schema: str) -> bool:
    """Whether this PostgreSQL holds FerretDB database ``schema`` (its metadata table)."""
    from psycopg import sql

    return _value(conn, "SELECT to_regclass(%s)", [sql.Identifier(schema, METADATA_TABLE).as_string(conn)]) is not None


def table_of(conn: "Connection[Any]", schema: str, collection_name: str) -> str | None:
    """FerretDB's table for a collection, or None when this PostgreSQL does not hold it."""
    from psycopg import sql

    if not holds_schema(conn, schema):
        return None
    query = sql.SQL("SELECT _jsonb->>'table' FROM {} WHERE _jsonb->>'_id' = %s").format(
        sql.Identifier(schema, METADATA_TABLE))
    row = conn.execute(query, [collection_name]).fetchone()
    return row[0] if row else None


def create_gin(conn: "Connection[Any]", schema: str, table: str, field: str) -> bool:
    """``CREATE INDEX IF NOT EXISTS`` a GIN index on ``(_jsonb->'field')``; True if it is there."""
    from psycopg import errors, sql

    statement = sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin ((_jsonb -> {}))").format(
        sql.Identifier(index_name(table, field)), sql.Identifier(schema, table), sql.Literal(field))
    try:
        conn.execute(statement)
    except (errors.UniqueViolation, errors.DuplicateTable):
        pass  # another replica made the same index at the same moment
    return True


def force_custom_plans(conn: "Connection[Any]") -> None:
    """Custom plans for every new session of this database (see the module's docstring)."""
    from psycopg import errors, sql

    name = _value(conn, "SELECT current_database()")
    if _value(conn, "SHOW plan_cache_mode") == "force_custom_plan":
        return  # already the server's or the database's setting
    try:
        conn.execute(sql.SQL("ALTER DATABASE {} SET plan_cache_mode = force_custom_plan").format(sql.Identifier(name)))
    except errors.InsufficientPrivilege:
        log.warning("pgindex: cannot set plan_cache_mode on %s; set it to force_custom_plan in PostgreSQL", name)
    except errors.InternalError_ as exc:  # "tuple concurrently updated": another service set it at the same moment
        log.info("pgindex: plan_cache_mode set concurrently on %s (%s)", name, exc)


def provision(store: object, dsn: str | None = None) -> list[tuple[str, str, str]]:
    """Make the GIN indexes for every collection of ``store``; returns [(collection, field, index)]."""
    dsn = dsn or settings().postgres_dsn
    if not dsn:
        return []
    import psycopg

    collections = store_collections(store)
    made = []
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        log.warning("pgindex: PostgreSQL at POSTGRES_DSN unreachable (%s); no GIN indexes made", exc)
        return []
    with conn:
        force_custom_plans(conn)
        if collections and not holds_schema(conn, collections[0].database.name):
            log.info("pgindex: database %s is not stored in this PostgreSQL; no GIN indexes",
                     collections[0].database.name)
            return []
        for collection in collections:
            try:  # the table must exist to be indexed; a store may insert into it only later
                collection.database.create_collection(collection.name)
            except CollectionInvalid:
                pass
            schema = collection.database.name
            table = table_of(conn, schema, collection.name)
            if table is None:
                log.info("pgindex: %s.%s is not stored in this PostgreSQL; no GIN indexes", schema, collection.name)
                continue
            for field in declared_fields(collection):
                create_gin(conn, schema, table, field)
                made.append((collection.name, field, index_name(table, field)))
    return made
