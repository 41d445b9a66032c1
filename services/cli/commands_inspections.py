"""``cctrack`` sub-commands of the inspections area (being written)."""


def register(sub):
    pass
