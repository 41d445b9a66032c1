"""Event names and the services that dispatch them, in one place.

A handler subscribes with ``@event_handler(SOURCE, NAME)``; the payload of each
event is described by the schema named beside it (see ``shared.schemas``).
"""

ASSIGNMENT = "assignment"
MILESTONES = "milestones"
INSPECTIONS = "inspections"
NOTIFICATIONS = "notifications"

# assignment -> CentreEventSchema
CENTRE_REGISTERED = "centre_registered"
CENTRE_REASSIGNED = "centre_reassigned"
CENTRE_UPDATED = "centre_updated"  # deadline, pilot flag or name changed
