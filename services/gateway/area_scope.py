"""Areas for the gateway's routes (docs/areas.md): where an office lies, and refusals audited.

``AreaScope`` is a dependency of the gateway. Before a route runs, an area-confined caller (``shared.authz.area_scope``)
gets ``district_of(office)``: the office's district from the assignment service (one ``_id`` read, once per office
per request), which ``shared.authz.authorize`` uses when a route names only an office. After the route, a refusal
because the data lies outside the caller's area is written to the audit trail (``area_refused``), as the services
record a refused cross-office report.
"""
import logging

from nameko.extensions import DependencyProvider

from shared.areas import parent_of
from shared.authz import area_scope
from shared.errors import Forbidden, NotFound

log = logging.getLogger(__name__)


class AreaScope(DependencyProvider):
    def worker_setup(self, worker_ctx):
        principal = worker_ctx.kwargs.get("principal")
        if principal is None or area_scope(principal) is None:
            return
        known = {}

        def district_of(office):
            if office not in known:
                try:
                    known[office] = worker_ctx.service.assignment.get_office(office).get("district")
                except NotFound:
                    known[office] = None
            return known[office]

        principal.district_of = district_of

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        exc = exc_info[1] if exc_info else None
        if not isinstance(exc, Forbidden) or "area" not in (exc.details or {}):
            return
        principal = worker_ctx.kwargs.get("principal")
        request = worker_ctx.args[0] if worker_ctx.args else None
        target = f"{request.method} {request.path}" if request is not None else worker_ctx.entrypoint.method_name
        try:
            store = worker_ctx.service.tokens.accounts
            store.audit("area_refused", principal.label() if principal else "?", target,
                        {"area": principal.get("area") if principal else None,
                         "districts": principal.get("districts") if principal else None}, worker_ctx.service.clock.now())
        except Exception:  # the refusal stands even when the audit cannot be written
            log.warning("could not audit an area refusal of %s", target, exc_info=True)

    def get_dependency(self, worker_ctx):
        return None


def area_named(assignment, code):
    """{code, name} of area ``code`` from the area tree (None when no code: the whole installation or one office)."""
    if not code:
        return None
    return {"code": code, "name": (assignment.list_areas({"parent": code}).get("area") or {}).get("name") or code}


def area_names(assignment, codes):
    """{code: name} of area ``codes`` from the area tree: one read of each parent's children (the provinces: one
    read), so a page of accounts costs one call per distinct parent. Unknown codes are left out."""
    names = {}
    for parent in sorted({parent_of(c) or "" for c in set(codes) if c}):
        try:
            listed = assignment.list_areas({"parent": parent} if parent else {})
        except NotFound:
            continue
        names.update({a["code"]: a["name"] for a in listed["items"]})
    return names
