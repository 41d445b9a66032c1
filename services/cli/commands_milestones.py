"""``cctrack`` sub-commands of the milestones area (being written)."""


def register(sub):
    pass
