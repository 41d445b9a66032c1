"""Entrypoints of the assignment service (RPC name ``assignment``)."""
from services.assignment import commands
from services.assignment.store import AssignmentStore
from shared.clock import Clock
from shared.emitter import EmitsEvents
from shared.errors import EXPECTED, NotFound
from shared.health import HealthRpc
from shared.mongo import Mongo
from shared.rpc import rpc
from shared.schemas.areas import (
    AreaImportReportSchema,
    AreaImportRequestSchema,
    AreaListSchema,
    AreaQuerySchema,
    PlacedSchema,
    PlaceOfficesSchema,
)
from shared.schemas.assignment import (
    CentreFilterSchema,
    CentreSchema,
    CentreSearchSchema,
    ImportProgressSchema,
    ImportReportSchema,
    ImportRequestSchema,
    LocationSchema,
    OfficePageSchema,
    OfficeQuerySchema,
    OfficeSchema,
    ReassignSchema,
)
from shared.schemas.common import ActorSchema, load_or_raise
from shared.schemas.reporting import CentresAfterSchema
from shared.settings import ValidatedSettings


class AssignmentService(HealthRpc, EmitsEvents):
    name = "assignment"

    store = Mongo(AssignmentStore)
    clock = Clock()
    settings = ValidatedSettings()

    @rpc(expected_exceptions=EXPECTED)
    def list_offices(self, query=None):
        """A page of offices in table order with their centre counts (``OfficePageSchema``), read by equality
        on the offices' buckets; continue at ``offset + limit`` while it is below ``total``."""
        data = load_or_raise(OfficeQuerySchema(), query or {})
        items, total = self.store.office_page(data["offset"], data["limit"])
        return OfficePageSchema().dump({"items": items, "total": total, **data})

    @rpc(expected_exceptions=EXPECTED)
    def get_office(self, name):
        """One office with its centre counts (``OfficeSchema``): one ``_id`` read; NotFound if absent."""
        office = self.store.office(str(name or ""))
        if office is None:
            raise NotFound(f"街道办事处“{name}”不存在", {"office": [str(name)]})
        return OfficeSchema().dump(office)

    @rpc(expected_exceptions=EXPECTED)
    def list_centres(self, filters=None):
        query = load_or_raise(CentreFilterSchema(), filters or {})
        items, total = self.store.find(**query)
        return {"items": CentreSchema(many=True).dump(items), "total": total,
                "limit": query["limit"], "offset": query["offset"]}

    @rpc(expected_exceptions=EXPECTED)
    def centres_after(self, query):
        """A bounded page of one office's centres after ``after`` (by id): {items, next}."""
        data = load_or_raise(CentresAfterSchema(), query or {})
        items, after = self.store.centres_after(data["office"], data["after"], data["limit"])
        return {"items": CentreSchema(many=True).dump(items), "next": after}

    @rpc(expected_exceptions=EXPECTED)
    def search_centres(self, query):
        data = load_or_raise(CentreSearchSchema(), query or {})
        return {"items": CentreSchema(many=True).dump(self.store.search(data["q"], data["office"], data["limit"]))}

    @rpc(expected_exceptions=EXPECTED)
    def get_centre(self, centre_id):
        centre = self.store.get(centre_id)
        if centre is None:
            raise NotFound(f"中心“{centre_id}”不存在", {"id": [centre_id]})
        return CentreSchema().dump(centre)

    @rpc(expected_exceptions=EXPECTED)
    def centre_history(self, centre_id):
        self.get_centre(centre_id)
        return [{**h, "at": h["at"].isoformat()} for h in self.store.history(centre_id)]

    @rpc(expected_exceptions=EXPECTED)
    def reassign_centre(self, centre_id, request, actor):
        data = load_or_raise(ReassignSchema(), request)
        saved, events = commands.reassign_centre(self.store, centre_id, data, load_or_raise(ActorSchema(), actor),
                                                 self.clock.now())
        self._emit(events)
        return CentreSchema().dump(saved)

    @rpc(expected_exceptions=EXPECTED)
    def set_location(self, centre_id, request, actor):
        data = load_or_raise(LocationSchema(), request)
        saved, events = commands.set_location(self.store, centre_id, data, load_or_raise(ActorSchema(), actor),
                                              self.clock.now())
        self._emit(events)
        return CentreSchema().dump(saved)

    @rpc(expected_exceptions=EXPECTED)
    def import_allocation(self, request):
        data = load_or_raise(ImportRequestSchema(), request)
        report = commands.import_allocation(self.store, data, self.clock.now(), self._emit)
        return ImportReportSchema().dump(report)

    @rpc(expected_exceptions=EXPECTED)
    def import_progress(self, import_id):
        """How far the import started with ``import_id`` is (for the CLI while the import runs)."""
        progress = self.store.progress(str(import_id))
        if progress is None:
            raise NotFound(f"导入“{import_id}”不存在或尚未开始", {"import_id": [str(import_id)]})
        return ImportProgressSchema().dump(progress)

    # areas (docs/areas.md)
    @rpc(expected_exceptions=EXPECTED)
    def import_areas(self, request):
        """Import an area table (name and code per row); nothing is written unless every row is valid."""
        return AreaImportReportSchema().dump(commands.import_areas(self.store, load_or_raise(AreaImportRequestSchema(), request)))

    @rpc(expected_exceptions=EXPECTED)
    def list_areas(self, query=None):
        """An area (``parent``) and the areas directly under it (none: the provinces): {area, items}."""
        parent = load_or_raise(AreaQuerySchema(), query or {})["parent"]
        area = self.store.area(parent) if parent else None
        if parent and area is None:
            raise NotFound("区划不存在或尚未导入", {"parent": ["unknown area"]})
        return AreaListSchema().dump({"area": area, "items": self.store.area_children(parent)})

    @rpc(expected_exceptions=EXPECTED)
    def district_offices(self, district):
        """The offices of a district, in table order (equality on ``district``)."""
        return {"district": district, "offices": self.store.offices_of_district(str(district or ""))}

    @rpc(expected_exceptions=EXPECTED)
    def place_offices(self, request):
        """Put offices (named, or a batch of those in no district) into a district, with their centres."""
        placed = commands.place_offices(self.store, load_or_raise(PlaceOfficesSchema(), request))
        return PlacedSchema().dump(placed)
