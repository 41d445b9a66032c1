"""An inbox as the API gives it, page after page."""


def inbox(stack, role="office", office=None):
    """Every notice of an inbox, page after page (the inbox continues from a cursor)."""
    items, cursor = [], None
    while True:
        page = stack.get("/api/notifications", role=role, office=office,
                         params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page["cursor"]
        if not cursor:
            return items
