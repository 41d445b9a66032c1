"""Rectification rules (整改): due dates and state changes, as plain functions.

States: open -> submitted (the office posts evidence) -> verified (a later
inspection by an inspector passes the item) or reopened (it fails the item again
after a submission) -> submitted -> ...  Only inspectors' inspections move
rectifications; a self-check is the office's own view and changes nothing.
"""
from shared.errors import Conflict
from shared.settings import settings
from shared.workdays import add_workdays

OPEN, SUBMITTED, VERIFIED, REOPENED = "open", "submitted", "verified", "reopened"
STATES = (OPEN, SUBMITTED, VERIFIED, REOPENED)
ACTIVE = (OPEN, SUBMITTED, REOPENED)


def phase_end():
    return settings().rectification_phase_end  # phase 5 (整改完善、巩固提高) of the Jinshui plan by default


def working_days():
    return settings().rectification_working_days


def due_date(inspected_on, end=None, days=None):
    """The earlier of the end of phase 5 and ``days`` working days after the inspection.

    An inspection after phase 5 has ended (a later city or province check) gets
    the working-day limit alone, rather than a due date already in the past.
    """
    end = phase_end() if end is None else end
    by_workdays = add_workdays(inspected_on, working_days() if days is None else days)
    if inspected_on > end:
        return by_workdays
    return min(end, by_workdays)


def after_item(active, status):
    """What an inspector's judgement of one item does to its active rectification.

    Returns "open" (start a new one), a new state for ``active``, or None.
    """
    if status == "fail":
        if active is None:
            return "open"
        return REOPENED if active["status"] == SUBMITTED else None
    if status == "pass" and active is not None:
        return VERIFIED
    return None


def check_submittable(rectification):
    if rectification["status"] == VERIFIED:
        raise Conflict("整改项“{}”已复查通过，无需再提交材料".format(rectification["id"]), {"status": [VERIFIED]})
