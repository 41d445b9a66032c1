"""The table of events: for each event, who sends it, what it carries and who handles it.

A handler subscribes with ``@event_handler(SOURCE, NAME)``; each payload is described by a
schema in ``shared/schemas/<source>.py`` (named here as ``"module:Class"`` so this module stays
free of imports). ``tests/unit/test_events_table.py`` scans the services and proves that every
event dispatched has an entry here, that every entry has a consumer (a service whose
``@event_handler`` names it) or a stated outside reader, and that the consumers listed are
exactly the services that subscribe. To add an event: a constant, a row in ``EVENTS``, a schema.
"""
from typing import NamedTuple

ASSIGNMENT = "assignment"
MILESTONES = "milestones"
INSPECTIONS = "inspections"
NOTIFICATIONS = "notifications"
REPORTING = "reporting"
INDICATORS = "indicators"
GATEWAY = "gateway"

# assignment
CENTRE_REASSIGNED = "centre_reassigned"
CENTRE_UPDATED = "centre_updated"  # deadline, pilot flag or name changed
CENTRES_REGISTERED = "centres_registered"  # many new centres at once (one chunk of an import)

# milestones
MILESTONES_PLANNED = "milestones_planned"    # version 1 of a centre's new milestones
MILESTONES_PLANNED_BATCH = "milestones_planned_batch"  # version 1 of the milestones of many new centres
PROGRESS_UPDATED = "progress_updated"
MILESTONE_COMPLETED = "milestone_completed"
PHASE_COMPLETED = "phase_completed"
CENTRE_BUILT = "centre_built"                # the construction milestone is done
MILESTONE_DUE_CHANGED = "milestone_due_changed"

# inspections
INSPECTION_RECORDED = "inspection_recorded"
CENTRE_ACCEPTED = "centre_accepted"          # -> milestone p4_acceptance done
CENTRE_FAILED_ACCEPTANCE = "centre_failed_acceptance"
RECTIFICATION_OPENED = "rectification_opened"
RECTIFICATION_CLOSED = "rectification_closed"
RECTIFICATION_COMPLETED = "rectification_completed"  # accepted and none open -> p5 done

# notifications
OVERDUE_DETECTED = "overdue_detected"
NOTICE_SENT = "notice_sent"
NOTICE_FAILED = "notice_failed"
ESCALATED = "escalated"

# indicators
MONTHLY_REPORT_SUBMITTED = "monthly_report_submitted"  # a report or correction was stored: the centre's year
INDICATOR_STATUS_CHANGED = "indicator_status_changed"  # an indicator's status for a centre or office changed
# (both feed the read model's indicator figures; warnings reach people through notifications' scan of
# indicators.open_items, not through these events)

# gateway (accounts): a person's account was created or changed; notifications keeps the
# contact "account:<user id>" so people with an account are told without a separate contact
ACCOUNT_CHANGED = "account_changed"


class Event(NamedTuple):
    source: str
    schema: str | None  # "module:Class" in shared/schemas
    consumers: tuple[str, ...]  # the services whose @event_handler names it
    outside_reader: str | None  # who reads it outside this repository, when no service does


# Subscribers outside this repository read the nameko events exchange ``<source>.events``
# (the province platform's integration, operators' monitoring); they are named where relevant.
EXTERNAL = "external subscribers on the {}.events exchange: {}"

EVENTS = {
    (ASSIGNMENT, CENTRE_REASSIGNED): Event(ASSIGNMENT, "assignment:CentreEventSchema",
                                           (MILESTONES, INSPECTIONS, REPORTING), None),
    (ASSIGNMENT, CENTRE_UPDATED): Event(ASSIGNMENT, "assignment:CentreEventSchema",
                                        (MILESTONES, INSPECTIONS, REPORTING), None),
    (ASSIGNMENT, CENTRES_REGISTERED): Event(ASSIGNMENT, "assignment:CentresRegisteredSchema",
                                            (MILESTONES, REPORTING), None),
    (MILESTONES, MILESTONES_PLANNED_BATCH): Event(MILESTONES, "milestones:MilestonesPlannedBatchSchema",
                                                  (REPORTING,), None),
    (MILESTONES, MILESTONES_PLANNED): Event(MILESTONES, "milestones:MilestonesPlannedSchema", (REPORTING,), None),
    (MILESTONES, PROGRESS_UPDATED): Event(MILESTONES, "milestones:ProgressUpdatedSchema", (REPORTING,), None),
    (MILESTONES, MILESTONE_DUE_CHANGED): Event(MILESTONES, "milestones:MilestoneDueChangedSchema", (REPORTING,), None),
    (MILESTONES, MILESTONE_COMPLETED): Event(MILESTONES, "milestones:MilestoneCompletedSchema", (), EXTERNAL.format(
        MILESTONES, "province platform (completion feed); the read model learns it from progress_updated")),
    (MILESTONES, PHASE_COMPLETED): Event(MILESTONES, "milestones:PhaseCompletedSchema", (), EXTERNAL.format(
        MILESTONES, "province platform (phase completion feed)")),
    (MILESTONES, CENTRE_BUILT): Event(MILESTONES, "milestones:CentreBuiltSchema", (), EXTERNAL.format(
        MILESTONES, "province platform (centres built)")),
    (INSPECTIONS, INSPECTION_RECORDED): Event(INSPECTIONS, "inspections:InspectionRecordedSchema", (MILESTONES,), None),
    (INSPECTIONS, CENTRE_ACCEPTED): Event(INSPECTIONS, "inspections:CentreAcceptedSchema", (MILESTONES, REPORTING), None),
    (INSPECTIONS, CENTRE_FAILED_ACCEPTANCE): Event(INSPECTIONS, "inspections:CentreFailedAcceptanceSchema",
                                                   (REPORTING,), None),
    (INSPECTIONS, RECTIFICATION_OPENED): Event(INSPECTIONS, "inspections:RectificationOpenedSchema",
                                               (MILESTONES, REPORTING), None),
    (INSPECTIONS, RECTIFICATION_CLOSED): Event(INSPECTIONS, "inspections:RectificationClosedSchema", (REPORTING,), None),
    (INSPECTIONS, RECTIFICATION_COMPLETED): Event(INSPECTIONS, "inspections:RectificationCompletedSchema",
                                                  (MILESTONES,), None),
    (NOTIFICATIONS, OVERDUE_DETECTED): Event(NOTIFICATIONS, "notifications:OverdueDetectedSchema", (), EXTERNAL.format(
        NOTIFICATIONS, "operators' monitoring (one per item and day found overdue)")),
    (NOTIFICATIONS, NOTICE_SENT): Event(NOTIFICATIONS, "notifications:NoticeOutcomeSchema", (), EXTERNAL.format(
        NOTIFICATIONS, "operators' monitoring (deliveries)")),
    (NOTIFICATIONS, NOTICE_FAILED): Event(NOTIFICATIONS, "notifications:NoticeOutcomeSchema", (), EXTERNAL.format(
        NOTIFICATIONS, "operators' monitoring (failed deliveries, to alert on)")),
    (NOTIFICATIONS, ESCALATED): Event(NOTIFICATIONS, "notifications:EscalatedSchema", (), EXTERNAL.format(
        NOTIFICATIONS, "operators' monitoring (escalations to heads and the bureau)")),
    (INDICATORS, MONTHLY_REPORT_SUBMITTED): Event(INDICATORS, "indicators:MonthlyEventSchema", (REPORTING,), None),
    (INDICATORS, INDICATOR_STATUS_CHANGED): Event(INDICATORS, "indicators:StatusChangedSchema", (REPORTING,), None),
    (GATEWAY, ACCOUNT_CHANGED): Event(GATEWAY, "accounts:AccountChangedSchema", (NOTIFICATIONS,), None),
}


def consumers(source: str, name: str) -> tuple[str, ...]:
    return EVENTS[(source, name)].consumers
