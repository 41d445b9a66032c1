"""The 通报 sent on a schedule: which periods (month, quarter, year) are sent, on which day of the month
after each one ends, to which contacts (the notifications service's, by e-mail with the Word and PDF
attached, and by robot with a link). One schedule per installation, kept by the gateway; each period is
sent once across replicas (an insert guarded by its ``_id``)."""
from datetime import date, datetime

from marshmallow import fields, validate
from pymongo.errors import DuplicateKeyError

from services.gateway.bulletins import periods
from shared.schemas.common import StrictSchema

KINDS = ("month", "quarter", "year")
SCHEDULE_ID = "bulletins"


class BulletinScheduleSchema(StrictSchema):
    enabled = fields.Boolean(required=True)
    kinds = fields.List(fields.String(validate=validate.OneOf(KINDS, error="时段只能是月度、季度或年度")),
                        required=True, validate=validate.Length(max=3))
    day = fields.Integer(required=True, strict=True,
                         validate=validate.Range(min=1, max=28, error="发送日必须是每月 1 到 28 日"))
    contact_ids = fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                              validate=validate.Length(max=50, error="接收人最多 50 个"))


class SavedBulletinScheduleSchema(BulletinScheduleSchema):
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)
    sent = fields.List(fields.String(), metadata={"description": "the periods already sent, newest first (at most 12)"})


def _previous(kind: str, today: date) -> periods.Period:
    if kind == "month":
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        return periods.parse(f"{year}-{month:02d}", today)
    if kind == "quarter":
        quarter = (today.month - 1) // 3  # the quarter that ended last (0: the last of the year before)
        return periods.parse(f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4", today)
    return periods.parse(str(today.year - 1), today)


def recent_periods(today: date) -> list[periods.Period]:
    """The periods a schedule may have sent lately, newest first: 12 months, 4 quarters and 2 years."""
    out, month_day, quarter_day = [], today, today
    for _ in range(12):
        found = _previous("month", month_day)
        out.append(found)
        month_day = found.start
    for _ in range(4):
        found = _previous("quarter", quarter_day)
        out.append(found)
        quarter_day = found.start
    out += [_previous("year", today), _previous("year", today.replace(year=today.year - 1))]
    return out


def due(schedule: dict, today: date) -> list[periods.Period]:
    """The periods the schedule sends by ``today``: for each kind chosen, the one that ended last, from its
    day of the month after its end (a tick missed on that day still sends it later that month or quarter);
    never one whose day came before the schedule was saved (``since``)."""
    if not schedule.get("enabled"):
        return []
    out = []
    for kind in KINDS:
        if kind not in schedule.get("kinds", ()):
            continue
        period = _previous(kind, today)
        after = period.end.toordinal() + 1
        send_on = date.fromordinal(after).replace(day=schedule["day"])
        since = date.fromisoformat(schedule["since"]) if schedule.get("since") else send_on
        if since <= send_on <= today:
            out.append(period)
    return out


class ScheduleStore:
    """``bulletin_schedule`` (one document) and ``bulletin_sends`` (one per period sent, ``_id`` the period)."""

    def __init__(self, db):
        self.schedules = db.bulletin_schedule
        self.sends = db.bulletin_sends

    def ensure_indexes(self):
        """Reads are by ``_id`` only."""

    def get(self):
        return self.schedules.find_one({"_id": SCHEDULE_ID}) or {"enabled": False, "kinds": ["month"], "day": 5,
                                                                  "contact_ids": [], "updated_at": None, "updated_by": None}

    def put(self, schedule: dict, actor: str, now: datetime, today: date):
        doc = {"_id": SCHEDULE_ID, **schedule, "since": today.isoformat(), "updated_at": now, "updated_by": actor}
        self.schedules.replace_one({"_id": SCHEDULE_ID}, doc, upsert=True)
        return doc

    def claim(self, period: str, now: datetime) -> bool:
        """True for the one replica that sends ``period``."""
        try:
            self.sends.insert_one({"_id": period, "at": now})
        except DuplicateKeyError:
            return False
        return True

    def release(self, period: str):
        """A send that failed is tried again at the next tick."""
        self.sends.delete_one({"_id": period})

    def sent(self, candidates):
        """Which of ``candidates`` (period keys) were sent: one ``_id`` read each."""
        return [p for p in candidates if self.sends.find_one({"_id": p}, {"_id": 1}) is not None]
