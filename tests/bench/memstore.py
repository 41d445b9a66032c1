"""An in-memory stand-in for the pymongo subset the services' store adapters use, for the bulk loader.

The loader runs the services' own store adapters and use cases on these databases (so every
document has exactly the shape the services write), then copies what they wrote into the real
store with ``insert_many`` in big batches (``MemoryDb.flush``). Equality reads on top-level
fields use hash indexes built on first use, which keeps an office's worth of work fast; other
filters (ranges, ``$in``, ``$ne``) are evaluated by scanning, like FerretDB does. An operator it
does not know raises, so a store that starts using one is noticed instead of silently misread.
"""
import itertools

from bson import ObjectId
from pymongo.errors import BulkWriteError, CollectionInvalid, DuplicateKeyError

ASC = 1


def clone(value):
    """A deep copy of a document (dicts and lists copied, leaves shared): no call per leaf."""
    if isinstance(value, dict):
        return {k: clone(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) if isinstance(v, dict | list) else v for v in value]
    return value


def _keys(value):
    """Hashable index keys of a value: a list matches each of its elements (as MongoDB does)."""
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)] + [("__list__", repr(value))]
    if isinstance(value, dict):
        return [("__dict__", repr(value))]
    return [value]


def _get(doc, path):
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _cmp(a, b, op):
    if a is None or b is None:
        return False
    try:
        return {"$gt": a > b, "$gte": a >= b, "$lt": a < b, "$lte": a <= b}[op]
    except TypeError:
        return False


def _eq(value, wanted):
    return value == wanted or (isinstance(value, list) and wanted in value)


def matches(doc, query):
    for field, cond in query.items():
        value = _get(doc, field)
        if isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
            for op, arg in cond.items():
                if op in ("$gt", "$gte", "$lt", "$lte"):
                    ok = _cmp(value, arg, op)
                elif op == "$in":
                    ok = any(_eq(value, a) for a in arg)
                elif op == "$nin":
                    ok = not any(_eq(value, a) for a in arg)
                elif op == "$ne":
                    ok = not _eq(value, arg)
                elif op == "$eq":
                    ok = _eq(value, arg)
                elif op == "$exists":
                    ok = (value is not None) == bool(arg)
                else:
                    raise NotImplementedError(f"memstore: operator {op}")
                if not ok:
                    return False
        elif not _eq(value, cond):
            return False
    return True


def _project(doc, projection):
    if not projection:
        return clone(doc)
    keep = {k for k, v in projection.items() if v}
    if keep:
        out = {k: clone(doc[k]) for k in keep if k in doc}
        if projection.get("_id", 1):
            out["_id"] = doc["_id"]
        return out
    return {k: clone(v) for k, v in doc.items() if k not in projection}


class Cursor:
    def __init__(self, docs, projection):
        self.docs, self.projection, self._skip, self._limit = docs, projection, 0, 0

    def sort(self, spec, direction=None):
        spec = [(spec, direction or ASC)] if isinstance(spec, str) else spec
        for field, way in reversed(spec):
            self.docs.sort(key=lambda d, f=field: (_get(d, f) is not None, _get(d, f)), reverse=way < 0)
        return self

    def skip(self, n):
        self._skip = n
        return self

    def limit(self, n):
        self._limit = n
        return self

    def __iter__(self):
        docs = self.docs[self._skip:]
        if self._limit:
            docs = docs[:self._limit]
        return (_project(d, self.projection) for d in docs)


class MemoryCollection:
    def __init__(self, database, name):
        self.database, self.name = database, name
        self.docs, self.indexes, self.declared = {}, {}, {}
        self.dirty, self.flushed = set(), set()

    # index upkeep
    def _index(self, field):
        if field not in self.indexes:
            index = {}
            for doc_id, doc in self.docs.items():
                for key in _keys(_get(doc, field)):
                    index.setdefault(key, set()).add(doc_id)
            self.indexes[field] = index
        return self.indexes[field]

    def _unindex(self, doc):
        for field, index in self.indexes.items():
            for key in _keys(_get(doc, field)):
                index.get(key, set()).discard(doc["_id"])

    def _reindex(self, doc):
        for field, index in self.indexes.items():
            for key in _keys(_get(doc, field)):
                index.setdefault(key, set()).add(doc["_id"])

    def _store(self, doc):
        old = self.docs.get(doc["_id"])
        if old is not None:
            self._unindex(old)
        self.docs[doc["_id"]] = doc
        self._reindex(doc)
        self.dirty.add(doc["_id"])

    def _candidates(self, query):
        if "_id" in query and not isinstance(query["_id"], dict):
            doc = self.docs.get(query["_id"])
            return [doc] if doc is not None and matches(doc, query) else []
        plain = [f for f, c in query.items() if "." not in f and not isinstance(c, (dict, list))]
        if plain:
            ids = set.intersection(*(self._index(f).get(query[f], set()) for f in plain))
            return [d for d in (self.docs[i] for i in sorted(ids, key=str)) if matches(d, query)]
        return [d for d in self.docs.values() if matches(d, query)]

    # reads
    def find(self, query=None, projection=None, sort=None, limit=0):
        cursor = Cursor(self._candidates(query or {}), projection)
        if sort:
            cursor.sort(sort)
        return cursor.limit(limit) if limit else cursor

    def find_one(self, query=None, projection=None, sort=None):
        for doc in self.find(query, projection, sort=sort).limit(1):
            return doc
        return None

    def count_documents(self, query):
        return len(self._candidates(query))

    def estimated_document_count(self):
        return len(self.docs)

    def distinct(self, field, query=None):
        return sorted({_get(d, field) for d in self._candidates(query or {})} - {None}, key=str)

    # writes
    def insert_one(self, doc):
        doc.setdefault("_id", ObjectId())
        if doc["_id"] in self.docs:
            raise DuplicateKeyError("E11000 duplicate key: {}".format(doc["_id"]), 11000)
        self._store(clone(doc))

    def insert_many(self, docs, ordered=True):
        errors = []
        for i, doc in enumerate(docs):
            try:
                self.insert_one(doc)
            except DuplicateKeyError:
                errors.append({"index": i, "code": 11000})
                if ordered:
                    break
        if errors:
            raise BulkWriteError({"writeErrors": errors, "nInserted": len(docs) - len(errors)})

    def _update_doc(self, doc, update):
        if not any(k.startswith("$") for k in update):
            return {"_id": doc["_id"], **clone(update)}
        doc = clone(doc)
        for op, fields in update.items():
            for path, value in fields.items():
                parts = path.split(".")
                node = doc
                for part in parts[:-1]:
                    node = node.setdefault(part, {})
                last = parts[-1]
                if op == "$set" or (op == "$setOnInsert" and last not in node):
                    node[last] = clone(value)
                elif op == "$inc":
                    node[last] = node.get(last, 0) + value
                elif op == "$unset":
                    node.pop(last, None)
                elif op == "$push":
                    node.setdefault(last, []).append(clone(value))
                elif op == "$addToSet":
                    if value not in node.setdefault(last, []):
                        node[last].append(clone(value))
                elif op == "$max":
                    node[last] = value if node.get(last) is None else max(node[last], value)
                elif op == "$min":
                    node[last] = value if node.get(last) is None else min(node[last], value)
                elif op != "$setOnInsert":
                    raise NotImplementedError(f"memstore: update operator {op}")
        return doc

    def update_one(self, query, update, upsert=False):
        found = self._candidates(query)[:1]
        if found:
            self._store(self._update_doc(found[0], update))
            return
        if not upsert:
            return
        seed = {k: v for k, v in query.items() if not isinstance(v, dict)}
        if "_id" in query and isinstance(query["_id"], dict):
            raise NotImplementedError("memstore: upsert with an _id operator")
        doc = self._update_doc({"_id": seed.get("_id", ObjectId()), **seed}, update)
        if doc["_id"] in self.docs:  # the filter did not match but the _id is taken, as in MongoDB
            raise DuplicateKeyError("E11000 duplicate key: {}".format(doc["_id"]), 11000)
        self._store(doc)

    def update_many(self, query, update, upsert=False):
        found = self._candidates(query)
        for doc in found:
            self._store(self._update_doc(doc, update))
        if not found and upsert:
            self.update_one(query, update, upsert=True)

    def replace_one(self, query, doc, upsert=False):
        found = self._candidates(query)[:1]
        if found or upsert:
            new = clone(doc)
            new["_id"] = found[0]["_id"] if found else new.get("_id", query.get("_id", ObjectId()))
            self._store(new)

    def delete_one(self, query):
        for doc in self._candidates(query)[:1]:
            self._unindex(doc)
            del self.docs[doc["_id"]]
            self.dirty.discard(doc["_id"])
            if doc["_id"] in self.flushed:
                raise NotImplementedError("memstore: deleting {} after it was flushed".format(doc["_id"]))

    def delete_many(self, query):
        for doc in list(self._candidates(query)):
            self.delete_one({"_id": doc["_id"]})

    def drop(self):
        if self.flushed:
            raise NotImplementedError(f"memstore: dropping {self.name} after it was flushed")
        self.docs, self.indexes, self.dirty = {}, {}, set()

    # indexes: recorded, so the loader can declare them on the real collection
    def create_index(self, keys, name=None, unique=False, **_):
        keys = [(keys, ASC)] if isinstance(keys, str) else list(keys)
        name = name or "_".join(f"{f}_{d}" for f, d in keys)
        self.declared[name] = {"keys": keys, "unique": unique}
        return name

    def index_information(self):
        return {"_id_": {"key": [("_id", 1)]}, **{n: {"key": s["keys"], "unique": s["unique"]}
                                                  for n, s in self.declared.items()}}


class MemoryDb:
    """One service's database in memory. ``evict`` names the collections that are written office by
    office (centres, milestones, revisions): after each flush they are emptied, the others stay."""

    def __init__(self, name, evict=()):
        self.name, self.evict, self.collections = name, set(evict), {}

    def __getitem__(self, name):
        if name not in self.collections:
            self.collections[name] = MemoryCollection(self, name)
        return self.collections[name]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def create_collection(self, name):
        if name in self.collections:
            raise CollectionInvalid(name)
        return self[name]

    def list_collection_names(self):
        return list(self.collections)

    def flush(self, real_db, batch=5000, skip=(), insert=None, kept=False):
        """Copy new and changed documents of the evicted collections (``kept``: of the others) into
        ``real_db``; returns {collection: documents written}.

        ``insert(collection, docs)`` does the inserts (e.g. in a background thread); documents
        flushed before and changed since are replaced one by one."""
        written = {}
        for name, coll in self.collections.items():
            if (name in self.evict) == kept:
                continue
            ids = [i for i in coll.dirty if i in coll.docs]
            coll.dirty = set()
            if name in skip:
                ids = []
            fresh = [coll.docs[i] for i in ids if i not in coll.flushed]
            again = [coll.docs[i] for i in ids if i in coll.flushed]
            for start in range(0, len(fresh), batch):
                chunk = fresh[start:start + batch]
                (insert or _insert)(real_db[name], chunk)
            for doc in again:
                real_db[name].replace_one({"_id": doc["_id"]}, doc, upsert=True)
            written[name] = len(fresh) + len(again)
            if name in self.evict:
                coll.docs, coll.indexes, coll.flushed = {}, {}, set()
            else:
                coll.flushed.update(d["_id"] for d in itertools.chain(fresh, again))
        return written


def _insert(collection, docs):
    collection.insert_many(docs, ordered=False)
