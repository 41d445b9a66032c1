"""Gateway routes of the notifications service (being written)."""


class NotificationRoutes:
    pass
