"""Gateway routes of the inspections service (being written)."""


class InspectionRoutes:
    pass
