"""The one authorization rule: what a role (and, for an office, which office; for a bureau, which area) may do.

``ACTIONS`` maps each action to the roles allowed to perform it and whether an
office is confined to its own office's data (``OWN``). The gateway's routes declare
their action (``@http(..., action=...)``) and the services name the row of each of
their use cases; both ask ``authorize(principal, action, office)``. ``GET /api/session``
lists ``permissions(role)`` from the same table so the pages show only what is allowed.

Areas (docs/areas.md): a bureau account (admin) may carry an ``area`` (province, city or district code) and an
inspector ``districts``; ``area_scope`` names them and every ``authorize`` given an office (or a district) also
checks that the data lies inside them; ``area_filter`` is the area a roll-up or report is read for.

``SYSTEM`` is the services themselves (a sync, an inspection's result): never a
person's role, listed only in the rows internal actors use.
"""
from collections.abc import Mapping
from typing import Any

from shared.areas import contains
from shared.errors import Forbidden
from shared.labels import ROLES

ADMIN, OFFICE, INSPECTOR, SYSTEM = "admin", "office", "inspector", "system"
ALL = (ADMIN, OFFICE, INSPECTOR)  # every person
OWN = "own"  # an office user acts only on its own office's data
ANY = "any"

ROLE_NAMES = ROLES  # one wording of the roles: shared/labels.py

ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # action: (roles, office scope)
    "offices.read": (ALL, ANY),
    "centres.read": (ALL, OWN),
    "centres.search": (ALL, OWN),
    "centres.manage": ((ADMIN,), ANY),  # add a centre, move it to another office (CLI)
    "allocation.import": ((ADMIN,), ANY),
    "milestones.read": (ALL, OWN),
    "progress.report": ((ADMIN, OFFICE, SYSTEM), OWN),
    "milestones.results": ((SYSTEM,), ANY),  # milestones set by inspection results, never by hand
    "milestones.reopen": ((ADMIN,), ANY),
    "history.read": (ALL, OWN),
    "progress.read": (ALL, ANY),
    "evidence.read": (ALL, OWN),
    "standards.read": (ALL, ANY),
    "inspections.record": (ALL, OWN),  # some kind; the row of the kind (below) is applied by the inspections service
    "inspections.record.self_check": ((ADMIN, OFFICE), OWN),
    "inspections.record.district_acceptance": ((ADMIN, INSPECTOR), ANY),
    "inspections.record.city_check": ((ADMIN, INSPECTOR), ANY),
    "inspections.record.province_check": ((ADMIN, INSPECTOR), ANY),
    "inspections.record.re_inspection": ((ADMIN, INSPECTOR), ANY),
    "inspections.read": (ALL + (SYSTEM,), OWN),
    "rectifications.read": (ALL, OWN),
    "rectifications.submit": ((OFFICE,), OWN),
    "rectifications.acknowledge": ((OFFICE,), OWN),  # 签收 a rectification order
    "rectifications.chase": ((ADMIN,), ANY),  # 催办: the bureau chases an item with a note
    "rectifications.close": ((ADMIN, INSPECTOR), ANY),  # 销号: only with evidence and a passed re-check
    "response_times.read": ((ADMIN,), ANY),  # per office: time to acknowledge and to fix
    "notices.acknowledge": ((OFFICE,), OWN),  # 签收 an escalation notice
    "todo.read": (ALL, OWN),  # 我的待办
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
    # areas (issue 19, docs/areas.md)
    "areas.read": (ALL, ANY),
    "areas.manage": ((ADMIN,), ANY),  # import the area tree, put offices into a district
    "rollups.read": ((ADMIN,), ANY),  # roll-ups and rankings of an area (within the account's area)
}


def allowed(role: str | None, action: str, own_office: bool = True) -> bool:
    """True when ``role`` may do ``action``; ``own_office`` says whether the data is the caller's office."""
    roles, scope = ACTIONS[action]
    if role not in roles:
        return False
    return not (role == OFFICE and scope == OWN and not own_office)


def _who(action: str) -> str:
    people = [ROLE_NAMES[r] for r in ACTIONS[action][0] if r in ROLE_NAMES]
    return "仅限" + "、".join(people) if people else "仅由系统自动处理"


def authorize(principal: Mapping[str, Any], action: str, office: str | None = None, *,
              message: str | None = None, district: str | None = None) -> Mapping[str, Any]:
    """``principal`` unless it may not do ``action`` (on data of ``office``, in ``district``, when given): then
    Forbidden, with ``message`` when the caller has a more specific one for people. An office principal bound to
    no office may do nothing confined to an office; an account confined to an area (``area_scope``) nothing
    outside it (the area refusal keeps its own message and names ``area`` in its details)."""
    role = str(principal.get("role") or "")
    if action not in ACTIONS:
        raise KeyError("unknown action " + action)
    if not allowed(role, action):
        raise Forbidden(message or "{}无权执行此操作".format(ROLE_NAMES.get(role, "当前身份")), {"role": [_who(action)]})
    if action in INSTALLATION_WIDE and area_scope(principal) is not None:
        raise Forbidden(message or "此操作须由管理全部区划的账号执行", {"role": ["仅限管理全部区划的账号"]})
    own = principal.get("office")
    if role == OFFICE and ACTIONS[action][1] == OWN and (not own or not allowed(role, action, office in (None, own))):
        raise Forbidden(message or "只能处理本街道办事处（{}）的数据".format(own or "未指定"),
                        {"office": [f"数据属于{office}" if office else "账号未绑定街道办事处"]})
    return _within_area(principal, office, district)


# --- areas: a bureau account acts in one area, an inspector in the districts it is given ---------------------

AREA_REFUSED = "只能查看和处理本辖区的数据"
INSTALLATION_WIDE = frozenset({"areas.manage"})  # actions on the whole installation: not for an area-confined account


def area_scope(principal: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The area codes ``principal`` is confined to (None: the whole installation). A bureau account (admin)
    carries ``area`` (a province, city or district code; none: the whole installation); an inspector carries
    ``districts`` (none given: the whole installation, as before areas existed). An office is confined to its
    office by the office rule above."""
    role = principal.get("role")
    if role == ADMIN and principal.get("area"):
        return (str(principal["area"]),)
    if role == INSPECTOR and principal.get("districts"):
        return tuple(str(d) for d in principal["districts"])
    return None


def in_scope(principal: Mapping[str, Any], code: str | None) -> bool:
    """True when area ``code`` (a district, or any area) lies in ``principal``'s areas."""
    scope = area_scope(principal)
    return scope is None or any(contains(s, code) for s in scope)


def _within_area(principal: Mapping[str, Any], office: str | None, district: str | None) -> Mapping[str, Any]:
    """``principal`` when the data (of ``office``, in ``district``) lies in its areas. The district, when the
    caller does not give it, comes from the principal's ``district_of(office)`` (the gateway resolves it for each
    request); data whose district cannot be told is refused to an area-confined account (fail closed)."""
    if area_scope(principal) is None or (office is None and district is None):
        return principal
    if district is None:
        resolve = getattr(principal, "district_of", None)
        district = resolve(office) if resolve is not None else None
    if not in_scope(principal, district):
        raise Forbidden(AREA_REFUSED, {"area": ["数据不属于本辖区" if district else "数据所属区划不明"]})
    return principal


def area_filter(principal: Mapping[str, Any], action: str, requested: str | None = None) -> str | None:
    """The area a roll-up or report is read for: what was asked, which must lie in ``principal``'s areas
    (else Forbidden), or, when nothing was asked, the principal's own area (None: the whole installation)."""
    authorize(principal, action)
    scope = area_scope(principal)
    if requested:
        if not in_scope(principal, requested):
            raise Forbidden(AREA_REFUSED, {"area": ["所选区划不属于本辖区"]})
        return requested
    return scope[0] if scope else None


def office_filter(principal: Mapping[str, Any], action: str, requested: str | None = None) -> str | None:
    """The office a list is filtered by: an office user's own (asking for another is Forbidden);
    for others what was asked (``None``: every office). An account confined to an area must ask for an office
    of its area (the lists of a whole area are its roll-ups)."""
    authorize(principal, action, requested)
    if principal.get("role") == OFFICE and ACTIONS[action][1] == OWN:
        return principal.get("office")
    if not requested and area_scope(principal) is not None and ACTIONS[action][1] == OWN:
        raise Forbidden("请选择本辖区内的街道办事处", {"office": ["请选择街道办事处"]})
    return requested or None


def list_filter(principal: Mapping[str, Any], action: str, office: str | None = None,
                area: str | None = None) -> tuple[str | None, str | None]:
    """(office, area) a list of items is read for. An office user: its own office (``office_filter``). Others: the
    office asked (which must lie in their areas), else the area asked (``area_filter``: inside their areas, else
    Forbidden), else their own area (None: the whole installation). An asked area is checked even with an office."""
    if principal.get("role") == OFFICE:
        return office_filter(principal, action, office), None
    chosen = area_filter(principal, action, area)
    if office:
        return office_filter(principal, action, office), None
    return None, chosen


def permissions(role: str) -> list[str]:
    """The actions ``role`` may perform (office: on its own office), sorted."""
    return sorted(action for action in ACTIONS if allowed(role, action))
