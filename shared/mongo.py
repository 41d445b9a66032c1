"""The Mongo dependency provider.

Each service owns one database, ``<MONGO_DB_PREFIX>_<service name>``, so no
service reads another's collections. The client is created in ``setup()``
(not at import), the store's indexes are ensured once at start, and the client
is closed at stop. Workers receive the service's store adapter, not a raw db.
"""
from collections.abc import Callable, Mapping
from typing import Any

from nameko.containers import WorkerContext
from nameko.extensions import DependencyProvider
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared import pgindex
from shared.settings import settings

Doc = dict[str, Any]


def database_name(service_name: str) -> str:
    return f"{settings().mongo_db_prefix}_{service_name}"


def connect(service_name: str) -> tuple[MongoClient[Doc], Database[Doc]]:
    """A (client, database) pair for ``service_name``, for CLIs and tests."""
    client: MongoClient[Doc] = MongoClient(settings().mongo_uri, tz_aware=True, serverSelectionTimeoutMS=10000)
    return client, client[database_name(service_name)]


class Mongo(DependencyProvider):
    """Injects ``store_cls(db)``; ``store_cls.ensure_indexes()`` runs at start, then
    ``shared.pgindex.provision`` (only when ``POSTGRES_DSN`` is set)."""

    def __init__(self, store_cls: Callable[[Database[Doc]], Any]) -> None:
        self.store_cls = store_cls
        self.client: MongoClient[Doc] | None = None
        self.store: Any = None

    def setup(self) -> None:
        self.client, db = connect(self.container.service_name)
        self.store = self.store_cls(db)

    def start(self) -> None:
        self.store.ensure_indexes()
        pgindex.provision(self.store)  # FerretDB on PostgreSQL: GIN indexes for the same declarations

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    kill = stop

    def get_dependency(self, worker_ctx: WorkerContext) -> Any:
        return self.store


DUPLICATE_KEY = 11000


def insert_absent(collection: Collection[Doc], docs: list[Doc]) -> set[int]:
    """Insert ``docs`` in one unordered ``insert_many``; the indexes (in ``docs``) of those refused because
    their unique key was taken. Any other write error is raised. Contended creation is an insert guarded
    by a unique index (FerretDB has no transactions), so this is how a batch of new documents is written."""
    if not docs:
        return set()
    try:
        collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return {e["index"] for e in errors}
    return set()


def upsert_by_id(collection: Collection[Doc], doc_id: Any, fields: Mapping[str, Any]) -> None:
    """``$set`` ``fields`` on document ``doc_id``, creating it if missing.

    Two concurrent upserts of a missing document can both try the insert; the
    loser gets DuplicateKeyError (on MongoDB and FerretDB alike). By then the
    document exists, so the retry is a plain update.
    """
    try:
        collection.update_one({"_id": doc_id}, {"$set": fields}, upsert=True)
    except DuplicateKeyError:
        collection.update_one({"_id": doc_id}, {"$set": fields})
