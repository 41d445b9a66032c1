"""The object store's two places behave alike: a local directory, and S3 (moto's in-process fake of the
S3 API here; SeaweedFS in docker-compose and k8s)."""
import hashlib
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from shared.objects import DirectoryStore, MissingObject, S3Store, object_store

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


@pytest.fixture(params=["directory", "s3"])
def store(request, tmp_path):
    if request.param == "directory":
        yield DirectoryStore(tmp_path / "objects")
        return
    with mock_aws():
        yield S3Store(boto3.client("s3", region_name="us-east-1"), "evidence")


def test_a_file_is_kept_under_the_sha256_of_its_bytes_once(store):
    key = store.put(PHOTO)
    assert key == hashlib.sha256(PHOTO).hexdigest()
    assert store.put(PHOTO) == key  # the same bytes again: the same file
    assert store.get(key) == PHOTO and store.exists(key)
    handle, size = store.open(key)
    assert size == len(PHOTO) and handle.read() == PHOTO
    listed = list(store.listing())
    assert [(s.key, s.size) for s in listed] == [(key, len(PHOTO))]
    assert abs((datetime.now(UTC) - listed[0].modified).total_seconds()) < 300


def test_a_file_from_a_handle_is_copied_in_chunks_under_its_key(store, monkeypatch):
    import io

    import shared.objects

    monkeypatch.setattr(shared.objects, "CHUNK", 1000)  # several chunks
    content = PHOTO * 3
    key = store.put_file(io.BytesIO(content))
    assert key == hashlib.sha256(content).hexdigest() and store.get(key) == content
    assert store.put_file(io.BytesIO(content)) == key


def test_a_missing_or_malformed_key_is_missing(store):
    absent = hashlib.sha256(b"never stored").hexdigest()
    for key in (absent, "../../etc/passwd", "ABC"):
        assert not store.exists(key)
        with pytest.raises(MissingObject):
            store.get(key)
        with pytest.raises(MissingObject):
            store.open(key)


def test_delete_takes_the_file_away_and_may_repeat(store):
    key = store.put(PHOTO)
    store.delete(key)
    store.delete(key)
    assert not store.exists(key) and list(store.listing()) == []


def test_the_directory_never_shows_a_half_written_file(tmp_path, monkeypatch):
    store = DirectoryStore(tmp_path)
    real_fsync = __import__("os").fsync

    def crash(fd):
        raise OSError("disk gone")
    monkeypatch.setattr("os.fsync", crash)
    with pytest.raises(OSError):
        store.put(PHOTO)
    monkeypatch.setattr("os.fsync", real_fsync)
    assert list(store.listing()) == []
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []  # the temporary file is gone too


def test_the_settings_choose_the_place(object_files):
    from nameko import config

    assert isinstance(object_store(), DirectoryStore) and object_store().root == object_files
    with config.patch({"OBJECT_STORE": "s3", "S3_BUCKET": "b1"}):
        chosen = object_store()
        assert isinstance(chosen, S3Store) and chosen.bucket == "b1"
    with config.patch({"OBJECT_STORE": "tape"}), pytest.raises(ValueError, match="OBJECT_STORE"):
        object_store()
