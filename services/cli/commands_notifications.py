"""``cctrack`` sub-commands of the notifications area (being written)."""


def register(sub):
    pass
