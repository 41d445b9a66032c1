"""Entrypoints of the notifications service (RPC name ``notifications``)."""
from datetime import timedelta

import eventlet
from nameko.rpc import ServiceRpc

from services.notifications import channels, commands
from services.notifications.items import (
    DueDaySource,
    OverdueQuery,
    RpcSource,
    collect,
    indicator_item,
    milestone_item,
    overdue_items,
    rectification_item,
)
from services.notifications.rules import Rules, due_window, is_workday
from services.notifications.store import NotificationsStore
from shared import events as ev
from shared.authz import authorize
from shared.clock import Clock
from shared.emitter import EmitsEvents
from shared.errors import EXPECTED, InvalidInput, NotFound
from shared.handlers import event_handler
from shared.health import HealthRpc
from shared.mongo import Mongo
from shared.rpc import rpc
from shared.schemas.accounts import AccountChangedSchema
from shared.schemas.common import ActorSchema, load_or_raise
from shared.schemas.notifications import (
    ContactChangeSchema,
    ContactFilterSchema,
    ContactSchema,
    DeliveryPageSchema,
    DeliveryQuerySchema,
    DeliveryRoundSchema,
    InboxQuerySchema,
    NoticePageSchema,
    NoticeSchema,
    OverdueQuerySchema,
    OverdueReportSchema,
    ScanRequestSchema,
    ScanResultSchema,
)
from shared.settings import ValidatedSettings, timer

REPAIR_DAYS = 14  # how far back the start-up repair looks for notices a crash left without deliveries


class SourceUnavailable(Exception):
    pass


def notice_out(doc):
    item = doc["item"]
    return {"id": doc["_id"], "item_key": doc["item_key"], "step": doc["step"], "kind": doc["kind"],
            "centre_id": item["centre_id"], "centre_name": item["centre_name"], "office": item["office"],
            "title": item["title"], "due": item["due"], "text": doc["text"], "as_of": doc["as_of"],
            "created_at": doc["created_at"], "read_at": doc.get("read_at")}


def delivery_out(doc):
    return {"id": doc["_id"], **{k: doc.get(k) for k in ("contact_id", "channel", "target", "format", "subject", "status",
                                                          "attempts", "last_error", "next_attempt_at", "created_at",
                                                          "sent_at", "notice_ids")}}


class NotificationsService(HealthRpc, EmitsEvents):
    name = "notifications"

    store = Mongo(NotificationsStore)
    clock = Clock()
    settings = ValidatedSettings()
    reporting = ServiceRpc("reporting")
    indicators = ServiceRpc("indicators")
    assignment = ServiceRpc("assignment")

    def _timed(self, call):
        timeout = self.settings.notify_source_timeout_seconds

        def timed(*args, **kwargs):
            with eventlet.Timeout(timeout, SourceUnavailable(f"no answer in {timeout}s")):
                return call(*args, **kwargs)
        return timed

    def _indicator_source(self):
        return RpcSource("indicators", self._timed(lambda as_of: self.indicators.open_items(as_of=as_of)),
                         indicator_item)

    def _scan_sources(self, rules):
        """The read model's items due on the days of the rules' window, and the indicators' small list."""
        call, days = self._timed(self.reporting.due_items), lambda as_of: due_window(as_of, rules)
        return [DueDaySource("milestones", "milestone", call, milestone_item, days),
                DueDaySource("inspections", "rectification", call, rectification_item, days),
                self._indicator_source()]

    def _scan(self, as_of):
        if not self.store.repaired:
            commands.repair(self.store, self.clock.now(), since=as_of - timedelta(days=REPAIR_DAYS))
            self.store.repaired = True
        rules = Rules.from_settings()
        # On a day off nothing is issued (commands.scan), so nothing is read either.
        items, sources = collect(self._scan_sources(rules), as_of) if is_workday(as_of) else ([], {})
        result, events = commands.scan(self.store, commands.Scan(items, sources, as_of, self.clock.now(), rules))
        self._emit(events)
        return result

    def _deliver(self):
        current = self.settings
        config = {"max_attempts": current.notify_max_attempts, "base": current.notify_retry_base_seconds,
                  "cap": current.notify_retry_max_seconds, "lease": current.notify_claim_lease_seconds,
                  "batch": current.notify_delivery_batch}
        tally, events = commands.deliver(self.store, channels.send, self.clock.now(), config)
        self._emit(events)
        return tally

    @timer("NOTIFY_TICK_SECONDS")
    def on_timer(self):
        # Runs in every replica; both steps are guarded by unique inserts, so that is safe.
        self.tick()

    @rpc(expected_exceptions=EXPECTED)
    def tick(self):
        """What the timer does: scan for today (the injectable clock), then one delivery round."""
        scanned = self._scan(self.clock.today())
        return {"scan": ScanResultSchema().dump(scanned), "deliveries": DeliveryRoundSchema().dump(self._deliver())}

    @rpc(expected_exceptions=EXPECTED)
    def scan(self, request=None):
        query = load_or_raise(ScanRequestSchema(), request or {})
        return ScanResultSchema().dump(self._scan(query["as_of"] or self.clock.today()))

    @rpc(expected_exceptions=EXPECTED)
    def deliver(self):
        return DeliveryRoundSchema().dump(self._deliver())

    @rpc(expected_exceptions=EXPECTED)
    def overdue_report(self, query=None):
        data = load_or_raise(OverdueQuerySchema(), query or {})
        as_of = data["as_of"] or self.clock.today()
        overdue = OverdueQuery(as_of, data["office"], data["offset"], data["limit"], data["kind"], data["phase"])
        page = overdue_items(self._timed(self.reporting.overdue_page), [self._indicator_source()], overdue)
        report = commands.overdue_report(self.store, page, overdue)
        return OverdueReportSchema().dump(report)

    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, query, actor):
        data = load_or_raise(InboxQuerySchema(), query or {})
        inbox = commands.inbox_of(load_or_raise(ActorSchema(), actor))
        docs, total, unread = self.store.inbox(inbox, data["unread"], data["limit"], data["offset"])
        return NoticePageSchema().dump({"items": [notice_out(d) for d in docs], "total": total, "unread": unread,
                                        "limit": data["limit"], "offset": data["offset"]})

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, notice_id, actor):
        doc = commands.mark_read(self.store, notice_id, load_or_raise(ActorSchema(), actor), self.clock.now())
        return NoticeSchema().dump(notice_out(doc))

    @rpc(expected_exceptions=EXPECTED)
    def list_deliveries(self, query=None):
        data = load_or_raise(DeliveryQuerySchema(), query or {})
        docs, total = self.store.find_deliveries(data["status"], data["limit"], data["offset"])
        return DeliveryPageSchema().dump({"items": [delivery_out(d) for d in docs], "total": total,
                                          "limit": data["limit"], "offset": data["offset"]})

    @rpc(expected_exceptions=EXPECTED)
    def list_contacts(self, filters=None):
        data = load_or_raise(ContactFilterSchema(), filters or {})
        items, total = self.store.find_contacts(**data)
        return {"items": ContactSchema(many=True).dump(items), "total": total, "limit": data["limit"],
                "offset": data["offset"]}

    @rpc(expected_exceptions=EXPECTED)
    def add_contact(self, contact, actor):
        data = load_or_raise(ContactSchema(), contact)
        actor = load_or_raise(ActorSchema(), actor)
        authorize(actor, "contacts.manage", message=commands.CONTACTS_ADMIN_ONLY)
        if data["scope"] == "office":
            try:
                self.assignment.get_office(data["office"])  # one _id read
            except NotFound:
                raise InvalidInput("街道办事处“{}”不存在".format(data["office"]), {"office": ["unknown office"]}) from None
        saved = commands.add_contact(self.store, data, actor, self.clock.now())
        return ContactSchema().dump(saved)

    @rpc(expected_exceptions=EXPECTED)
    def update_contact(self, contact_id, changes, actor):
        data = load_or_raise(ContactChangeSchema(), changes)
        saved = commands.update_contact(self.store, commands.UpdateContact(
            contact_id, data, load_or_raise(ActorSchema(), actor), self.clock.now()))
        return ContactSchema().dump(saved)

    @rpc(expected_exceptions=EXPECTED)
    def remove_contact(self, contact_id, actor):
        saved = commands.update_contact(self.store, commands.UpdateContact(
            contact_id, {"active": False}, load_or_raise(ActorSchema(), actor), self.clock.now(), reason="停用联系人"))
        return ContactSchema().dump(saved)

    @rpc(expected_exceptions=EXPECTED)
    def contact_history(self, contact_id):
        if self.store.get_contact(contact_id) is None:
            raise NotFound(f"联系人“{contact_id}”不存在", {"id": [contact_id]})
        return [{**h, "at": h["at"].isoformat()} for h in self.store.contact_history(contact_id)]

    @event_handler(ev.GATEWAY, ev.ACCOUNT_CHANGED)
    def on_account_changed(self, payload):
        """A person with an account is told like a contact (``account:<user id>``), without a separate entry."""
        commands.sync_account_contact(self.store, AccountChangedSchema().load(payload), self.clock.now())
