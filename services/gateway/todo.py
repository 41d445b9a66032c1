"""我的待办: what is one person's to do now, from bounded equality reads of the services.

An office: its milestones due within a week or overdue (the read model's open items of the office, one page),
its rectification orders to sign for (签收) and to answer (open or failed again: one page of the queue, equality on office and status),
and its centres' missing monthly figures (the indicators service, for that office only). An inspector (and the
bureau): centres waiting for their acceptance (the read model's open ``p4_acceptance`` steps, one page), the
re-checks waiting (submitted rectifications, one page of the queue) and what may be written off (销号: verified
with evidence). Each source is one bounded page; ``more`` says when a page was full.
"""
from datetime import timedelta

AHEAD_DAYS = 7  # milestones due within this many days count as to do now
PAGE = 50
OFFICE_STEPS = ("p4_acceptance", "p5_rectification")  # set by inspections, never by the office


def _item(what, source, due, today):
    """``what``: (kind, title, link in the app)."""
    kind, title, link = what
    due_text = str(due)[:10] if due else None
    return {"kind": kind, "title": title, "link": link, "due": due_text,
            "overdue": bool(due_text and today and due_text < today.isoformat()),
            "centre_id": source.get("centre_id"), "centre_name": source.get("centre_name") or source.get("centre_id"),
            "office": source.get("office")}


def _listed(answer):
    """The items of an answer that is a list, or a page ``{items}``."""
    return answer.get("items") or [] if isinstance(answer, dict) else list(answer or [])


def office_items(sources, office, today):
    """(items, more) for an office; ``sources`` has the RPC proxies reporting, inspections, indicators."""
    items, more = [], False
    page = sources.reporting.open_items({"kind": "milestone", "before": (today + timedelta(days=AHEAD_DAYS + 1))
                                         .isoformat(), "office": office, "as_of": today.isoformat(), "limit": PAGE})
    more = more or bool(page.get("cursor"))
    for m in page["items"]:
        if m["key"] in OFFICE_STEPS or m.get("owner") == "inspection":
            continue
        items.append(_item(("milestone", m.get("title") or m["key"], "/report/{}/{}".format(m["centre_id"], m["key"])), m, m["due"], today))
    for status in ("open", "reopened"):
        rects = sources.inspections.rectification_queue({"office": office, "status": status, "limit": PAGE})
        more = more or bool(rects.get("next"))
        for r in rects["items"]:
            if not r.get("acknowledged_at"):
                items.append(_item(("acknowledge", "签收整改通知：" + r["title"], "/rectification/" + r["id"]), r, r.get("ack_due"), today))
            items.append(_item(("rectification", "提交整改材料：" + r["title"], "/rectification/" + r["id"]), r, r["due"], today))
    for raw in _listed(sources.indicators.open_items(as_of=today.isoformat(), office=office)):
        if raw.get("kind") == "monthly_report" and raw.get("office") == office:
            items.append(_item(("monthly_report", raw["title"], "/monthly/" + raw["centre_id"]), raw, raw["due"], today))
    return items, more


def inspector_items(sources, today):
    """(items, more) for an inspector or the bureau: acceptances due, re-checks waiting, write-offs waiting."""
    items = []
    due = sources.reporting.open_milestones_of_key({"key": "p4_acceptance", "limit": PAGE})
    more = bool(due.get("more"))
    for m in due["items"]:
        items.append(_item(("acceptance", "区级验收", "/checklist/{}?kind=district_acceptance".format(m["centre_id"])), m, m["due"], today))
    waiting = sources.inspections.rectification_queue({"status": "submitted", "limit": PAGE})
    more = more or bool(waiting.get("next"))
    for r in waiting["items"]:
        items.append(_item(("recheck", "复查整改：" + r["title"], "/rectification/" + r["id"]), r, r["due"], today))
    closable = sources.inspections.rectification_queue({"status": "verified", "limit": PAGE})
    more = more or bool(closable.get("next"))
    for r in closable["items"]:
        if r.get("submissions"):
            items.append(_item(("close", "整改销号：" + r["title"], "/rectification/" + r["id"]), r, None, today))
    return items, more


# quick answers first (an order to sign for, a re-check waiting), then the work itself
PRIORITY = {"acknowledge": 0, "recheck": 0, "rectification": 1, "close": 1, "monthly_report": 2, "milestone": 3,
            "acceptance": 3}


def ordered(items):
    """By kind (PRIORITY), then overdue first, then by due day (undated last), then centre."""
    return sorted(items, key=lambda i: (PRIORITY.get(i["kind"], 9), not i["overdue"], i["due"] or "9999",
                                        i["centre_name"] or "", i["title"]))
