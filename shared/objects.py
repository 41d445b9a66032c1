"""The object store: where evidence files (photos, PDFs, thumbnails) are kept, outside the document
store and outside RPC messages.

One interface, two places (the setting ``OBJECT_STORE``):

- ``directory``: a local directory (``OBJECT_STORE_DIR``, relative paths from the repository root),
  for one machine; every service on it reads and writes the same directory.
- ``s3``: an S3-compatible object store through ``boto3`` (SeaweedFS in docker-compose.yml and
  deploy/k8s; any S3 works), bucket ``S3_BUCKET``.

Files are keyed by the SHA-256 of their bytes (hex), so a retried upload or the same photo sent twice
is one file, and a key proves what it names. The gateway puts an upload's bytes here before anything
names them; documents and messages carry only the key and metadata. A crash between the two leaves a
file that no record names (never a record naming nothing); ``cctrack evidence sweep`` deletes those
after ``OBJECT_SWEEP_GRACE_SECONDS``.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from shared.settings import settings

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024  # a file written from a handle (``put_file``) is read this much at a time


class MissingObject(LookupError):
    """No file under this key."""


@dataclass(frozen=True)
class Stored:
    """One file in the store: its key, size in bytes and when it was written (UTC)."""

    key: str
    size: int
    modified: datetime


def key_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def key_of_file(handle: BinaryIO) -> str:
    """The key of a file's bytes, read from its start in chunks (the file is left at its start)."""
    handle.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise MissingObject(key)
    return key


class ObjectStore(Protocol):
    def put(self, content: bytes) -> str: ...

    def put_file(self, handle: BinaryIO) -> str: ...

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> tuple[BinaryIO, int]: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def listing(self) -> Iterator[Stored]: ...


def _write_whole(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write(out)`` into a temporary file beside ``path``, synced, then renamed to ``path``: a reader finds the
    whole file or none (a crash leaves at most a temporary file, which is removed if the write fails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class DirectoryStore:
    """Files under ``root/ab/cd/<key>``, written to a temporary file and renamed (a reader never sees half)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, content: bytes) -> str:
        key = key_of(content)
        path = self._path(key)
        if path.is_file() and path.stat().st_size == len(content):
            return key
        _write_whole(path, lambda out: out.write(content))
        return key

    def put_file(self, handle: BinaryIO) -> str:
        """A file of any size, copied chunk by chunk from ``handle`` (never held in memory)."""
        key = key_of_file(handle)
        path = self._path(key)
        _write_whole(path, lambda out: shutil.copyfileobj(handle, out, CHUNK))
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingObject(key) from None

    def open(self, key: str) -> tuple[BinaryIO, int]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise MissingObject(key) from None
        return handle, os.fstat(handle.fileno()).st_size

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except MissingObject:
            return False

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def listing(self) -> Iterator[Stored]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                for path in sorted(second.iterdir()) if second.is_dir() else ():
                    if KEY.match(path.name):
                        stat = path.stat()
                        yield Stored(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


class S3Store:
    """Files as objects ``<key>`` of one bucket of an S3-compatible store (made when missing)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket
        self._bucket_ready = False

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self.client.exceptions.ClientError:
            self.client.create_bucket(Bucket=self.bucket)
        self._bucket_ready = True

    def put(self, content: bytes) -> str:
        key = key_of(content)
        self._ensure_bucket()
        if not self.exists(key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=content, ChecksumSHA256=_b64_sha256(content))
        return key

    def put_file(self, handle: BinaryIO) -> str:
        """A file of any size, uploaded from ``handle`` in parts (boto3's managed transfer)."""
        key = key_of_file(handle)
        self._ensure_bucket()
        if not self.exists(key):
            self.client.upload_fileobj(handle, self.bucket, key)
        return key

    def _object(self, key: str) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket", "404"):
                raise MissingObject(key) from None
            raise

    def get(self, key: str) -> bytes:
        return bytes(self._object(key)["Body"].read())

    def open(self, key: str) -> tuple[BinaryIO, int]:
        found = self._object(key)
        return found["Body"], int(found["ContentLength"])

    def exists(self, key: str) -> bool:
        if not KEY.match(key):
            return False
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError:
            return False
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))

    def listing(self) -> Iterator[Stored]:
        self._ensure_bucket()
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents") or ():
                if KEY.match(item["Key"]):
                    yield Stored(item["Key"], int(item["Size"]), item["LastModified"].astimezone(UTC))


def _b64_sha256(content: bytes) -> str:
    """The checksum S3 verifies on arrival (a damaged upload is refused, not stored)."""
    return base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")


@dataclass(frozen=True)
class _Place:
    kind: str
    where: str  # the directory, or the bucket
    endpoint: str
    region: str
    access: str
    secret: str


@lru_cache(maxsize=8)
def _store(place: _Place) -> ObjectStore:
    if place.kind == "directory":
        path = Path(place.where)
        return DirectoryStore(path if path.is_absolute() else ROOT / path)
    import boto3
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=place.endpoint, region_name=place.region, aws_access_key_id=place.access,
                          aws_secret_access_key=place.secret,
                          config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}))
    return S3Store(client, place.where)


def object_store() -> ObjectStore:
    """The store the settings name (one per distinct settings, so a test's patched config gets its own)."""
    s = settings()
    where = s.object_store_dir if s.object_store == "directory" else s.s3_bucket
    return _store(_Place(s.object_store, where, s.s3_endpoint_url, s.s3_region, s.s3_access_key, s.s3_secret_key))
