"""Rectification rules (整改): due dates and state changes, as plain functions.

States: open -> submitted (the office posts evidence) -> verified (a later
inspection by an inspector passes the item) or reopened (it fails the item again
after a submission) -> submitted -> ...  Only inspectors' inspections move
rectifications; a self-check is the office's own view and changes nothing.
A verified rectification with its evidence is written off (销号, ``closed``) by the bureau
or an inspector; nothing else closes it. Beside the states: the office signs for the order
(签收, ``acknowledged_at``) and the bureau may chase it (催办) any number of times.
"""
from shared.errors import Conflict
from shared.settings import settings
from shared.workdays import add_workdays

OPEN, SUBMITTED, VERIFIED, REOPENED, CLOSED = "open", "submitted", "verified", "reopened", "closed"
STATES = (OPEN, SUBMITTED, VERIFIED, REOPENED, CLOSED)
ACTIVE = (OPEN, SUBMITTED, REOPENED)


def phase_end():
    return settings().rectification_phase_end  # phase 5 (整改完善、巩固提高) of the Jinshui plan by default


def ack_due(opened_on, days=None):
    """The day by which an office should sign for an order opened on ``opened_on``."""
    return add_workdays(opened_on, settings().rectification_ack_working_days if days is None else days)


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
    if rectification["status"] in (VERIFIED, CLOSED):
        raise Conflict("整改项“{}”已复查通过，无需再提交材料".format(rectification["title"]),
                       {"status": ["已复查通过"]})


def check_acknowledgeable(rectification):
    if rectification.get("acknowledged_at"):
        raise Conflict("该整改通知已于 {:%Y-%m-%d %H:%M} 签收，无需重复签收".format(rectification["acknowledged_at"]),
                       {"acknowledged_at": ["已签收"]})


def check_closable(rectification):
    """销号 needs the office's evidence and a passed re-check; Conflict with the reason otherwise."""
    if rectification["status"] == CLOSED:
        raise Conflict("该整改项已销号", {"status": ["已销号"]})
    if not rectification.get("submissions"):
        raise Conflict("街道办事处尚未提交整改证明材料，不能销号", {"submissions": ["缺少整改证明材料"]})
    if rectification["status"] != VERIFIED:
        raise Conflict("整改尚未复查通过，不能销号：请验收人员复查合格后再销号", {"status": ["尚未复查通过"]})
