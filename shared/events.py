"""Event names and the services that dispatch them, in one place.

A handler subscribes with ``@event_handler(SOURCE, NAME)``; each payload is
described by a schema in ``shared/schemas/<source>.py``.
"""

ASSIGNMENT = "assignment"
MILESTONES = "milestones"
INSPECTIONS = "inspections"
NOTIFICATIONS = "notifications"
GATEWAY = "gateway"

# assignment -> CentreEventSchema {centre, previous_office, previous_deadline, actor}
CENTRE_REGISTERED = "centre_registered"
CENTRE_REASSIGNED = "centre_reassigned"
CENTRE_UPDATED = "centre_updated"  # deadline, pilot flag or name changed

# milestones -> shared/schemas/milestones.py
PROGRESS_UPDATED = "progress_updated"        # {centre_id, office, key, status, percent, version, actor, at}
MILESTONE_COMPLETED = "milestone_completed"  # {centre_id, office, key, phase, at}
PHASE_COMPLETED = "phase_completed"          # {centre_id, office, phase, at}
CENTRE_BUILT = "centre_built"                # {centre_id, office, at}: construction milestone done
MILESTONE_DUE_CHANGED = "milestone_due_changed"  # {centre_id, key, previous_due, due}

# inspections -> shared/schemas/inspections.py
INSPECTION_RECORDED = "inspection_recorded"        # {inspection_id, centre_id, office, kind, result, at}
CENTRE_ACCEPTED = "centre_accepted"                # {centre_id, office, inspection_id, at} -> milestone p4_acceptance done
CENTRE_FAILED_ACCEPTANCE = "centre_failed_acceptance"  # {centre_id, office, inspection_id, failed_items, at}
RECTIFICATION_OPENED = "rectification_opened"      # {rectification_id, centre_id, office, item_id, due, at}
RECTIFICATION_CLOSED = "rectification_closed"      # {rectification_id, centre_id, office, item_id, at}
RECTIFICATION_COMPLETED = "rectification_completed"  # {centre_id, office, at}: accepted, none open -> p5 done

# notifications -> shared/schemas/notifications.py
OVERDUE_DETECTED = "overdue_detected"
NOTICE_SENT = "notice_sent"
NOTICE_FAILED = "notice_failed"
ESCALATED = "escalated"

# gateway (accounts): a person's account was created or changed; notifications keeps the
# contact "account:<user id>" so people with an account are told without a separate contact
ACCOUNT_CHANGED = "account_changed"
