"""Inspections in tests: measurements that pass the standard exactly, and the inspection and rectification
routes of the HTTP API used by several test modules."""
from decimal import Decimal

from services.inspections import standards

OFFICE = "丰庆路街道"  # owns js01-c01 四月天社区 (community) and js01-s
STANDARD = standards.load_directory().get("zhengzhou-2017-v1")
STEP = {"number_at_least": Decimal("0.1"), "count_at_least": Decimal("1")}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n"


def at_threshold(level):
    """Measurements that meet every item of ``level`` exactly (the tightest pass)."""
    out = {}
    for item in standards.items_for(STANDARD, level):
        kind = item["kind"]
        if kind in STEP:
            out[item["id"]] = float(item["threshold"]) if kind == "number_at_least" else int(item["threshold"])
        elif kind == "required_set":
            out[item["id"]] = list(item["required"])
        elif kind == "yes_no":
            out[item["id"]] = True
        else:
            out[item["id"]] = 0
    return out


def inspect(stack, centre_id, kind="district_acceptance", role="inspector", office=None, level="community", **changes):
    body = {"kind": kind, "measurements": {**at_threshold(level), **changes}}
    return stack.post(f"/api/centres/{centre_id}/inspections", role=role, office=office, json=body)


def rectifications(stack, role="admin", office=None, **params):
    """A page of rectifications; the bureau and inspectors ask for one office (``OFFICE`` unless given) or one
    centre, an office's token gets its own office."""
    if role != "office" and "centre_id" not in params:
        params.setdefault("office", OFFICE)
    response = stack.get("/api/rectifications", role=role, office=office, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def submit(stack, rect_id, files, office=OFFICE, role="office", note="已完成整改"):
    return stack.post(f"/api/rectifications/{rect_id}/submissions", role=role, office=office,
                      data={"note": note}, files=[("evidence", f) for f in files])


def milestone_status(stack, centre_id):
    body = stack.get(f"/api/centres/{centre_id}/milestones").json()
    return {m["key"]: m["status"] for m in body.get("milestones", [])}
