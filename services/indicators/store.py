"""MongoDB adapter of the indicators service (database ``<prefix>_indicators``).

Collections:
- ``report_revisions``: append-only, one document per accepted monthly report or correction; ``_id`` is
  ``centre:month:version`` (also a unique index on centre_id, month, version). Two writers based on the same
  version race for one slot; exactly one insert wins (FerretDB v1 has no compare-and-set on updates).
- ``reports``: the latest version per centre and month (``_id`` ``centre:month``), read by equality on
  ``office`` + ``year`` (an office's year of figures), ``centre_id`` + ``year``, or ``year`` alone for the
  district-wide views (ranking, open items), which read a year once instead of once per office.
- ``survey_responses``: one document per answered survey or imported row; read by equality on
  ``centre_id`` + ``month`` or ``office`` + ``month`` / ``year``.
- ``survey_guards``: ``_id`` ``centre:day:client hash``: the insert that rate-limits a client.
- ``survey_counts``: counters of survey answers per centre, office and district and month, quarter and year
  (``_id`` ``centre:<id>:<period>`` ...; see ``survey_counts``), read by ``_id`` only.
- ``statuses``: last known status of each indicator per subject and year (``_id`` ``subject:year``), to
  emit status changes.
- ``area_report_revisions`` / ``area_reports``: a district's yearly report toward its city's indicators
  (docs/areas.md): append-only versions ``district:year:version`` and the current one ``district:year``, read by
  ``_id`` or by equality on ``city`` + ``year`` (a city's districts: its figures) and ``district`` + ``year``.
- ``settings``: the reporting start month and the survey signing secret (``_id`` lookups).
"""
import contextlib
import secrets

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from shared.mongo import upsert_by_id
from shared.revisions import append_revision, project_forward

PAGE_MAX = 1000


class IndicatorStore:
    def __init__(self, db):
        self.db = db
        self.revisions = db.report_revisions
        self.reports = db.reports
        self.responses = db.survey_responses
        self.guards = db.survey_guards
        self.counts = db.survey_counts
        self.statuses = db.statuses
        self.settings = db.settings
        self.area_revisions = db.area_report_revisions
        self.area_reports = db.area_reports

    def ensure_indexes(self):
        self.revisions.create_index([("centre_id", ASCENDING), ("month", ASCENDING), ("version", ASCENDING)],
                                    unique=True, name="centre_month_version")
        self.reports.create_index([("office", ASCENDING), ("year", ASCENDING)], name="office_year")
        self.reports.create_index([("office", ASCENDING), ("month", ASCENDING)], name="office_month")
        self.reports.create_index([("centre_id", ASCENDING), ("year", ASCENDING)], name="centre_year")
        self.reports.create_index([("year", ASCENDING)], name="year")
        for fields in (("centre_id", "month"), ("office", "month"), ("office", "year"), ("centre_id", "year"),
                       ("year",), ("month",)):
            self.responses.create_index([(f, ASCENDING) for f in fields], name="_".join(fields))
        self.area_reports.create_index([("city", ASCENDING), ("year", ASCENDING)], name="city_year")
        self.area_reports.create_index([("district", ASCENDING), ("year", ASCENDING)], name="district_year")

    # monthly reports
    def current(self, centre_id, month):
        return self.reports.find_one({"_id": f"{centre_id}:{month}"})

    def insert_revision(self, doc):
        """Store version ``doc["version"]`` and project it; Conflict if another writer took that version first."""
        append_revision(self.revisions, {"_id": "{}:{}:{}".format(doc["centre_id"], doc["month"], doc["version"]), **doc},
                        self.reports, {"_id": "{}:{}".format(doc["centre_id"], doc["month"]), **doc},
                        Conflict("月报已被他人同时修改，请刷新后再提交", {"based_on_version": ["version {} taken".format(doc["version"])]}))

    def revision(self, centre_id, month, version):
        return self.revisions.find_one({"_id": f"{centre_id}:{month}:{version}"})

    def history(self, centre_id, month, latest):
        """Every version up to ``latest``, by ``_id`` (no scan)."""
        return [d for d in (self.revision(centre_id, month, v) for v in range(1, latest + 1)) if d]

    def office_year(self, office, year):
        return list(self.reports.find({"office": office, "year": year}).limit(PAGE_MAX * 20))

    def office_month(self, office, month, limit, offset):
        docs = list(self.reports.find({"office": office, "month": month}).limit(PAGE_MAX * 5))
        docs.sort(key=lambda d: d["centre_id"])
        return docs[offset:offset + limit], len(docs)

    def centre_year(self, centre_id, year):
        """The centre's current reports of ``year``: twelve ``_id`` lookups (fast on FerretDB, unlike a filter)."""
        found = (self.reports.find_one({"_id": f"{centre_id}:{year:04d}-{m:02d}"}) for m in range(1, 13))
        return [d for d in found if d]

    # a district's reports toward its city's indicators (quotas)
    def area_report(self, key):
        return self.area_reports.find_one({"_id": key})

    def area_report_revision(self, key, version):
        return self.area_revisions.find_one({"_id": f"{key}:{version}"})

    def insert_area_report(self, doc):
        key = "{}:{}".format(doc["district"], doc["year"])
        append_revision(self.area_revisions, {"_id": f"{key}:{doc['version']}", **doc}, self.area_reports,
                        {"_id": key, **doc},
                        Conflict("报送数据已被他人同时修改，请刷新后再提交",
                                 {"based_on_version": ["version {} taken".format(doc["version"])]}))

    def area_report_history(self, key, latest):
        return [d for d in (self.area_report_revision(key, v) for v in range(1, latest + 1)) if d]

    def city_reports(self, city, year):
        """The current reports of a city's districts for ``year`` (equality on ``city`` + ``year``; a city has tens)."""
        return list(self.area_reports.find({"city": city, "year": year}).limit(PAGE_MAX))

    def project_area_report(self, doc):
        """Move a district's current report forward to ``doc`` (a revision), unless as new a one is there."""
        project_forward(self.area_reports, doc)

    # survey
    def guard(self, key, at):
        try:
            self.guards.insert_one({"_id": key, "at": at})
        except DuplicateKeyError:
            return False
        return True

    def add_responses(self, docs):
        if docs:
            self.responses.insert_many(docs, ordered=True)

    def survey_count(self, doc_id):
        return self.counts.find_one({"_id": doc_id})

    def put_survey_count(self, doc):
        upsert_by_id(self.counts, doc["_id"], {k: v for k, v in doc.items() if k != "_id"})

    def office_reports(self, office, cap=PAGE_MAX * 100):
        """Every current report of ``office`` (equality on ``office``), for the read model's rebuild."""
        return list(self.reports.find({"office": office}).limit(cap))

    # statuses
    def swap_statuses(self, key, statuses, at):
        """The previous {indicator: status} of subject-period ``key`` ({} if new), after recording ``statuses``:
        one read and at most one write per submission."""
        previous = self.statuses.find_one({"_id": key})
        before = previous["statuses"] if previous else {}
        if before != statuses:
            upsert_by_id(self.statuses, key, {"statuses": statuses, "at": at})
        return before

    # settings
    def setting(self, key):
        doc = self.settings.find_one({"_id": key})
        return doc["value"] if doc else None

    def set_setting(self, key, value):
        upsert_by_id(self.settings, key, {"value": value})

    def survey_secret(self):
        """A random secret, created once (the first insert wins, every replica then reads the same)."""
        secret = self.setting("survey_secret")
        if secret is None:
            with contextlib.suppress(DuplicateKeyError):
                self.settings.insert_one({"_id": "survey_secret", "value": secrets.token_hex(32)})
            secret = self.setting("survey_secret")
        return secret
