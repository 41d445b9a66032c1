"""Inspection and rectification use cases on mongomock for the unit tests: the actors, a centre, an inspection
recorded with measurements at the standard's thresholds, and a rectification submission with evidence."""
from datetime import UTC, datetime

import mongomock

from services.inspections import commands, standards
from services.inspections.store import InspectionStore
from tests.support.inspections import at_threshold
from tests.support.uploads import upload

STANDARDS = standards.load_directory()
NOW = datetime(2019, 7, 15, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing, in phase 4 (checks and acceptance)
CENTRE = {"id": "js01-c01", "name": "四月天社区", "level": "community", "office": "丰庆路街道",
          "deadline": "2017-06-30", "pilot": True}
INSPECTOR = {"role": "inspector", "office": None, "name": "验收组"}
ADMIN = {"role": "admin", "office": None, "name": "区文旅局"}
OFFICE = {"role": "office", "office": "丰庆路街道", "name": "丰庆路"}
OTHER_OFFICE = {"role": "office", "office": "国基路街道", "name": "国基路"}
PDF = b"%PDF-1.4\n% evidence\n"


def inspection_store():
    s = InspectionStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def record(store, kind="district_acceptance", actor=INSPECTOR, now=NOW, centre=CENTRE, **changes):
    """An inspection of ``centre`` whose measurements meet the standard except ``changes``."""
    request = {"kind": kind, "inspected_on": None, "note": "", "corrects": changes.pop("corrects", None),
               "measurements": {**at_threshold(centre["level"]), **changes}}
    return commands.record_inspection(store, STANDARDS, commands.RecordInspection(centre, request, actor, now))


def submit(store, rect_id, actor=OFFICE, now=NOW, files=None):
    """The office's answer to rectification ``rect_id``: ``files``, or one PDF of evidence."""
    files = files if files is not None else [upload("整改照片.pdf", PDF)]
    return commands.submit_rectification(store, rect_id, {"note": "已整改", "files": files}, actor, now)
