"""The one authorization rule: what a role (and, for an office, which office) may do.

``ACTIONS`` maps each action to the roles allowed to perform it and whether an
office is confined to its own office's data (``OWN``). Every API route asks
``authorize(principal, action, office)``; ``GET /api/session`` lists
``permissions(role)`` from the same table so the pages show only what is allowed.
Another area adds its routes' actions here.
"""
from shared.errors import Forbidden

ADMIN, OFFICE, INSPECTOR = "admin", "office", "inspector"
ALL = (ADMIN, OFFICE, INSPECTOR)
OWN = "own"  # an office user acts only on its own office's data
ANY = "any"

ROLE_NAMES = {ADMIN: "区级管理员", OFFICE: "街道办事处", INSPECTOR: "验收人员"}

ACTIONS = {
    # action: (roles, office scope)
    "offices.read": (ALL, ANY),
    "centres.read": (ALL, OWN),
    "centres.search": (ALL, OWN),
    "allocation.import": ((ADMIN,), ANY),
    "centres.locate": ((ADMIN,), ANY),
    "milestones.read": (ALL, OWN),
    "progress.report": ((ADMIN, OFFICE), OWN),
    "milestones.reopen": ((ADMIN,), ANY),
    "history.read": (ALL, OWN),
    "progress.read": (ALL, ANY),
    "evidence.read": (ALL, OWN),
    "standards.read": (ALL, ANY),
    "inspections.record": (ALL, OWN),  # the inspections service decides which kinds each role may record
    "inspections.read": (ALL, ANY),
    "rectifications.read": (ALL, OWN),
    "rectifications.submit": ((OFFICE,), OWN),
    "overdue.read": ((ADMIN, OFFICE), OWN),
    "overdue.scan": ((ADMIN,), ANY),
    "notices.read": ((ADMIN, OFFICE), OWN),
    "deliveries.read": ((ADMIN,), ANY),
    "contacts.manage": ((ADMIN,), ANY),
    "reports.export": ((ADMIN,), ANY),
    "summaries.read": (ALL, OWN),
    "users.manage": ((ADMIN,), ANY),
    "audit.read": ((ADMIN,), ANY),
    # indicators (issue 10)
    "indicators.read": (ALL, OWN),
    "ranking.read": (ALL, ANY),
    "monthly.read": (ALL, OWN),
    "monthly.submit": ((ADMIN, OFFICE), OWN),
    "monthly.schedule": ((ADMIN,), ANY),
    "survey.read": ((ADMIN, OFFICE), OWN),
    "survey.import": ((ADMIN,), ANY),
}


def allowed(role, action, own_office=True):
    """True when ``role`` may do ``action``; ``own_office`` says whether the data is the caller's office."""
    roles, scope = ACTIONS[action]
    if role not in roles:
        return False
    return not (role == OFFICE and scope == OWN and not own_office)


def authorize(principal, action, office=None):
    """Forbidden unless ``principal`` may do ``action`` (on data of ``office``, when given)."""
    role = principal["role"]
    if action not in ACTIONS:
        raise KeyError("unknown action " + action)
    if not allowed(role, action):
        raise Forbidden(f"当前角色（{ROLE_NAMES.get(role, role)}）无权执行此操作",
                        {"role": ["requires one of: " + ", ".join(ACTIONS[action][0])]})
    if office is not None and not allowed(role, action, own_office=office == principal.get("office")):
        raise Forbidden("只能处理本街道办事处（{}）的数据".format(principal.get("office")), {"office": ["own office only"]})
    return principal


def office_filter(principal, action, requested=None):
    """The office a list is filtered by: an office user's own (asking for another is Forbidden);
    for others what was asked (``None``: every office)."""
    authorize(principal, action)
    if principal["role"] == OFFICE and ACTIONS[action][1] == OWN:
        authorize(principal, action, requested or principal.get("office"))
        return principal.get("office")
    return requested or None


def permissions(role):
    """The actions ``role`` may perform (office: on its own office), sorted."""
    return sorted(action for action in ACTIONS if allowed(role, action))
