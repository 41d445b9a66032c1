"""Gateway routes of the milestones service (being written)."""


class MilestoneRoutes:
    pass
