"""The milestone use cases on mongomock: the actors, a pilot centre and a progress update."""
from datetime import UTC, date, datetime

import mongomock

from services.milestones import commands
from services.milestones import plan as plans
from services.milestones.store import MilestoneStore

NOW = datetime(2017, 3, 1, 1, tzinfo=UTC)
OFFICE = {"role": "office", "office": "丰庆路街道", "name": "t"}
ADMIN = {"role": "admin", "office": None, "name": "t"}
PILOT = {"id": "js01-c01", "name": "四月天社区", "level": "community", "office": "丰庆路街道",
         "deadline": date(2017, 6, 30), "pilot": True, "version": 1}


def default_plan():
    return plans.load(plans.DEFAULT_PLAN)


def pilot_store(plan):
    """A milestone store on mongomock holding ``PILOT``'s milestones of ``plan``."""
    s = MilestoneStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    commands.reconcile_centre(s, plan, PILOT, NOW)
    return s


def update(version, status="in_progress", **kw):
    return {"status": status, "percent": kw.pop("percent", None), "note": "", "reason": "", "based_on_version": version,
            "evidence": [], **kw}
