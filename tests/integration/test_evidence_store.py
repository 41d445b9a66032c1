"""Evidence files in the object store, against the real broker and store: a photo's bytes never travel in an
RPC message nor sit in a document; downloads are byte-identical and honour ranges; a crash between keeping
the file and recording it leaves no record naming nothing, and the sweep takes the orphan away."""
import bson
import pytest
from kombu.messaging import Producer
from pymongo import MongoClient

from services.cli import main as cli
from services.milestones.store import MilestoneStore
from shared.objects import key_of, object_store
from shared.settings import settings
from tests.support.photos import CENTRE, exif_for, jpeg, local, scene
from tests.support.waiting import wait_for

OFFICE, CENTRE_ID, KEY = "丰庆路街道", "js01-c01", "p3_construction"
TABLE = f"""编号,中心名称,级别,街道办事处,完成时限,试点,备注,经度,纬度
js01-c01,四月天社区,社区,丰庆路街道,2017.12,否,,{CENTRE[1]},{CENTRE[0]}
"""
BIG = 1024 * 1024  # no message and no document may come near a photo's size


@pytest.fixture
def centre(stack, clock):
    clock.set("2017-08-15T10:00:00+08:00")
    assert stack.upload_allocation(content=TABLE.encode(), name="centres.csv").status_code == 200
    wait_for(lambda: stack.get(f"/api/centres/{CENTRE_ID}/milestones").status_code == 200, CENTRE_ID)
    return stack


@pytest.fixture
def messages(monkeypatch):
    """The size of every AMQP message this process publishes (RPC requests, replies and events)."""
    sizes = []
    real = Producer._publish

    def publish(self, body, *args, **kwargs):
        sizes.append(len(body))
        return real(self, body, *args, **kwargs)
    monkeypatch.setattr(Producer, "_publish", publish)
    return sizes


def report(stack, files, version):
    return stack.post(f"/api/centres/{CENTRE_ID}/milestones/{KEY}/progress", role="office", office=OFFICE,
                      data={"status": "in_progress", "percent": "50", "based_on_version": str(version)},
                      files=[("evidence", item) for item in files])


def version(stack):
    return next(m["version"] for m in stack.get(f"/api/centres/{CENTRE_ID}/milestones").json()["milestones"]
                if m["key"] == KEY)


def documents(prefix):
    """Every document of every database of this test's services, with its BSON size."""
    client = MongoClient(settings().mongo_uri)
    try:
        for name in client.list_database_names():
            if name.startswith(prefix + "_"):
                for collection in client[name].list_collection_names():
                    for doc in client[name][collection].find():
                        yield f"{name}.{collection}", len(bson.encode(doc))
    finally:
        client.close()


def test_a_photo_travels_and_rests_outside_messages_and_documents(centre, messages, mongo_prefix):
    stack = centre
    photo = jpeg(scene(1, size=(4000, 3000), noise=100), exif_for(local(2017, 8, 10, 9, 30, 0), CENTRE), quality=92)
    assert 4_500_000 < len(photo) <= 5 * 1024 * 1024
    response = report(stack, [("现场.jpg", photo)], version(stack))
    assert response.status_code == 200, response.text
    evidence = response.json()["evidence"][0]
    assert evidence["sha256"] == key_of(photo) and object_store().get(key_of(photo)) == photo
    assert messages and max(messages) < BIG, max(messages)
    heavy = [(where, size) for where, size in documents(mongo_prefix) if size >= BIG]
    assert heavy == []

    whole = stack.get(f"/api/evidence/{evidence['id']}", role="office", office=OFFICE)
    assert whole.status_code == 200 and whole.content == photo
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["X-Content-SHA256"] == key_of(photo)
    part = stack.get(f"/api/evidence/{evidence['id']}", role="office", office=OFFICE, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206 and part.content == photo[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(photo)}"
    same = stack.get(f"/api/evidence/{evidence['id']}", role="office", office=OFFICE,
                     headers={"If-None-Match": whole.headers["ETag"]})
    assert same.status_code == 304 and same.content == b""
    thumbnail = stack.get(f"/api/evidence/{evidence['id']}/thumbnail", role="office", office=OFFICE)
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    assert 0 < len(thumbnail.content) < 100_000
    beyond = stack.get(f"/api/evidence/{evidence['id']}", role="office", office=OFFICE,
                       headers={"Range": f"bytes={len(photo) + 10}-"})
    assert beyond.status_code == 416 and "message" in beyond.json()


def test_a_crash_before_recording_leaves_no_record_and_the_orphan_is_swept(centre, monkeypatch, capsys):
    stack = centre
    kept = jpeg(scene(4), exif_for(local(2017, 8, 10, 9, 30, 0), CENTRE))
    assert report(stack, [("留存.jpg", kept)], version(stack)).status_code == 200
    before = len(stack.get(f"/api/centres/{CENTRE_ID}/history").json()["items"])

    def crash(self, docs):
        raise RuntimeError("the service died before recording its evidence")
    monkeypatch.setattr(MilestoneStore, "insert_evidence", crash)
    lost = jpeg(scene(5), exif_for(local(2017, 8, 10, 9, 30, 0), CENTRE))
    failed = report(stack, [("丢失.jpg", lost)], version(stack))
    assert failed.status_code >= 500 and "message" in failed.json()
    monkeypatch.undo()
    assert object_store().exists(key_of(lost))  # the file was kept first ...
    history = stack.get(f"/api/centres/{CENTRE_ID}/history").json()["items"]  # ... and nothing names it
    assert all("丢失.jpg" not in str(entry) for entry in history) and len(history) >= before
    current = next(m for m in stack.get(f"/api/centres/{CENTRE_ID}/milestones").json()["milestones"] if m["key"] == KEY)
    assert [e["filename"] for e in current["evidence"]] == ["留存.jpg"]

    assert cli.main(["evidence", "sweep", "--dry-run"]) == 0  # within the grace period nothing is taken
    assert "将删除 0 个" in capsys.readouterr().out
    from nameko import config
    with config.patch({"OBJECT_SWEEP_GRACE_SECONDS": 0}):
        assert cli.main(["evidence", "sweep"]) == 0
    assert "已删除" in capsys.readouterr().out
    assert not object_store().exists(key_of(lost))
    assert object_store().get(key_of(kept)) == kept  # a named file, and its thumbnail, stay
    evidence_id = current["evidence"][0]["id"]
    assert stack.get(f"/api/evidence/{evidence_id}/thumbnail", role="office", office=OFFICE).status_code == 200


def test_evidence_kept_inside_documents_before_the_object_store_is_migrated(centre, mongo_prefix, object_files):
    stack = centre
    photo = jpeg(scene(6), exif_for(local(2017, 8, 10, 9, 30, 0), CENTRE))
    pdf = b"%PDF-1.4 rectification notice"
    saved = report(stack, [("旧照.jpg", photo), ("说明.pdf", pdf)], version(stack)).json()["evidence"]
    # put them back as an installation from before the object store kept them: bytes inside the documents
    client = MongoClient(settings().mongo_uri)
    evidence = client[f"{mongo_prefix}_milestones"].evidence
    for item, content in zip(saved, (photo, pdf)):
        doc = evidence.find_one({"_id": item["id"]})
        thumbnail = object_store().get(doc["thumbnail_key"]) if doc.get("thumbnail_key") else None
        evidence.update_one({"_id": item["id"]}, {"$set": {"content": bson.Binary(content), "thumbnail": thumbnail},
                                                   "$unset": {"thumbnail_key": ""}})
    client.close()
    for path in object_files.rglob("*"):
        if path.is_file():
            path.unlink()
    assert cli.main(["evidence", "migrate", "--batch", "1"]) == 0
    for item, content in zip(saved, (photo, pdf)):
        assert stack.get(f"/api/evidence/{item['id']}", role="office", office=OFFICE).content == content
    assert stack.get(f"/api/evidence/{saved[0]['id']}/thumbnail", role="office", office=OFFICE).status_code == 200
    assert [size for _, size in documents(mongo_prefix) if size >= 10_000] == []
