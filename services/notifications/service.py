"""Entrypoints of the notifications service (RPC name ``notifications``)."""
from datetime import timedelta

import eventlet
from nameko.rpc import ServiceRpc

from services.notifications import channels, commands, messages, planning
from services.notifications.items import (
    DueDaySource,
    Item,
    OverdueQuery,
    RpcSource,
    acknowledgement_item,
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
    ChaseSchema,
    ContactChangeSchema,
    ContactFilterSchema,
    ContactSchema,
    DeliveryPageSchema,
    DeliveryQuerySchema,
    DeliveryRoundSchema,
    DeliverySchema,
    DocumentSendSchema,
    InboxQuerySchema,
    NoticePageSchema,
    NoticeSchema,
    OverdueQuerySchema,
    OverdueReportSchema,
    ReadAllSchema,
    ScanRequestSchema,
    ScanResultSchema,
    TestSendSchema,
)
from shared.settings import ValidatedSettings, timer

REPAIR_DAYS = 14  # how far back the start-up repair looks for notices a crash left without deliveries


class SourceUnavailable(Exception):
    pass


def notice_out(doc):
    item = doc["item"]
    return {"id": doc["_id"], "item_key": doc["item_key"], "step": doc["step"], "kind": doc["kind"],
            "item_kind": item["kind"], "centre_id": item["centre_id"], "centre_name": item["centre_name"],
            "office": item["office"], "title": item["title"], "due": item["due"], "text": doc["text"],
            "as_of": doc["as_of"], "days": doc.get("days"), "link": messages.item_path(item),
            "created_at": doc["created_at"], "read_at": doc.get("read_at"),
            "acknowledged_at": doc.get("acknowledged_at")}


def delivery_out(doc):
    out = {"id": doc["_id"], **{k: doc.get(k) for k in ("contact_id", "channel", "target", "format", "subject", "status",
                                                         "attempts", "last_error", "next_attempt_at", "created_at",
                                                         "sent_at", "notice_ids")}, "test": bool(doc.get("test"))}
    if out["channel"] == "webhook":
        out["target"] = channels.masked_url(out["target"])  # a robot's URL holds its token
    return out


def contact_out(contact):
    """A contact as shown: the signing secret and the robot URL's token never in full."""
    return {**contact, "secret": channels.mask(contact.get("secret")), "has_secret": bool(contact.get("secret")),
            "webhook": channels.masked_url(contact.get("webhook"))}


def migrated_fields(doc):
    return planning.inbox_fields(doc["inbox"], doc["as_of"], doc["item"]["centre_id"], read=doc.get("read_at") is not None)


def send_with_contact_secret(store):
    """The sender of delivery rounds: a DingTalk robot's secret is read from its contact at send time."""
    def send(delivery):
        contact = store.get_contact(delivery["contact_id"]) if delivery.get("format") == "dingtalk" else None
        channels.send(delivery, (contact or {}).get("secret"))
    return send


class NotificationsService(HealthRpc, EmitsEvents):
    name = "notifications"

    store = Mongo(NotificationsStore)
    clock = Clock()
    settings = ValidatedSettings()
    reporting = ServiceRpc("reporting")
    indicators = ServiceRpc("indicators")
    assignment = ServiceRpc("assignment")
    inspections = ServiceRpc("inspections")

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
                self._indicator_source(),
                RpcSource("acknowledgements", self._timed(lambda as_of: self.inspections.unacknowledged()),
                          acknowledgement_item)]

    def _scan(self, as_of):
        if not self.store.repaired:
            self.store.migrate_inbox(migrated_fields, self.clock.now())
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
        tally, events = commands.deliver(self.store, send_with_contact_secret(self.store), self.clock.now(), config)
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

    @timer("NOTIFY_DIGEST_SECONDS")
    def on_digest_timer(self):
        self.digest()

    @rpc(expected_exceptions=EXPECTED)
    def digest(self):
        """What the digest timer does: each contact's digest of each past day (built once), then a delivery round."""
        built = commands.build_digests(self.store, self.clock.today(), self.clock.now())
        return {"digests": built, "deliveries": DeliveryRoundSchema().dump(self._deliver())}

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
        overdue = OverdueQuery(as_of, data["office"], data["offset"], data["limit"], data["kind"], data["phase"],
                               data["area"])
        page = overdue_items(self._timed(self.reporting.overdue_page), [self._indicator_source()], overdue)
        report = commands.overdue_report(self.store, page, overdue)
        return OverdueReportSchema().dump(report)

    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, query, actor):
        data = load_or_raise(InboxQuerySchema(), query or {})
        inbox = commands.inbox_of(load_or_raise(ActorSchema(), actor))
        page = commands.inbox_page(self.store, commands.InboxQuery(inbox, **data))
        return NoticePageSchema().dump({**page, "items": [notice_out(d) for d in page["items"]], "limit": data["limit"]})

    @rpc(expected_exceptions=EXPECTED)
    def mark_all_read(self, actor):
        return ReadAllSchema().dump(commands.mark_all_read(self.store, load_or_raise(ActorSchema(), actor),
                                                           self.clock.now()))

    @rpc(expected_exceptions=EXPECTED)
    def test_contact(self, contact_id, actor):
        result = commands.send_test(self.store, commands.SendTest(
            contact_id, load_or_raise(ActorSchema(), actor), self.clock.now(), channels.send, self.settings.public_url))
        return TestSendSchema().dump(result)

    @rpc(expected_exceptions=EXPECTED)
    def send_document(self, document):
        """A document (the 通报) to chosen contacts, each once; delivered by the next round."""
        planned = commands.send_document(self.store, load_or_raise(DocumentSendSchema(), document), self.clock.now())
        return {"planned": planned}

    @rpc(expected_exceptions=EXPECTED)
    def contact_deliveries(self, contact_id):
        docs = commands.recent_deliveries(self.store, contact_id, self.clock.now().date())
        return {"items": DeliverySchema(many=True).dump([delivery_out(d) for d in docs])}

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, notice_id, actor):
        doc = commands.mark_read(self.store, notice_id, load_or_raise(ActorSchema(), actor), self.clock.now())
        return NoticeSchema().dump(notice_out(doc))

    @rpc(expected_exceptions=EXPECTED)
    def acknowledge_notice(self, notice_id, actor):
        doc = commands.acknowledge_notice(self.store, notice_id, load_or_raise(ActorSchema(), actor), self.clock.now())
        return NoticeSchema().dump(notice_out(doc))

    @rpc(expected_exceptions=EXPECTED)
    def chase(self, request, actor):
        """催办 of one item (``ChaseSchema``): notices to the office's inbox, its staff and its head."""
        data = load_or_raise(ChaseSchema(), request)
        item = Item(data["kind"], data["ref"], data["centre_id"], data["centre_name"], data["office"], data["title"],
                    data["due"])
        return commands.chase(self.store, commands.Chase(item, data["chase_id"], data["note"],
                                                         load_or_raise(ActorSchema(), actor), self.clock.now()),
                              self.clock.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_deliveries(self, query=None):
        data = load_or_raise(DeliveryQuerySchema(), query or {})
        docs, following = self.store.delivery_page(data["status"], data["after"], data["limit"])
        return DeliveryPageSchema().dump({"items": [delivery_out(d) for d in docs], "next": following,
                                          "limit": data["limit"]})

    @rpc(expected_exceptions=EXPECTED)
    def bucket_deliveries(self, limit=500):
        """Give up to ``limit`` deliveries recorded before the delivery log's day buckets their ``day`` and
        ``status_day``, so the log lists them; the number given (0: none left)."""
        return self.store.bucket_deliveries(max(1, min(int(limit), 5000)))

    @rpc(expected_exceptions=EXPECTED)
    def list_contacts(self, filters=None):
        data = load_or_raise(ContactFilterSchema(), filters or {})
        items, total = self.store.find_contacts(**data)
        return {"items": ContactSchema(many=True).dump([contact_out(c) for c in items]), "total": total, "limit": data["limit"],
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
        return ContactSchema().dump(contact_out(saved))

    @rpc(expected_exceptions=EXPECTED)
    def update_contact(self, contact_id, changes, actor):
        data = load_or_raise(ContactChangeSchema(), changes)
        saved = commands.update_contact(self.store, commands.UpdateContact(
            contact_id, data, load_or_raise(ActorSchema(), actor), self.clock.now()))
        return ContactSchema().dump(contact_out(saved))

    @rpc(expected_exceptions=EXPECTED)
    def remove_contact(self, contact_id, actor):
        saved = commands.update_contact(self.store, commands.UpdateContact(
            contact_id, {"active": False}, load_or_raise(ActorSchema(), actor), self.clock.now(), reason="停用联系人"))
        return ContactSchema().dump(contact_out(saved))

    @rpc(expected_exceptions=EXPECTED)
    def contact_history(self, contact_id):
        if self.store.get_contact(contact_id) is None:
            raise NotFound(f"联系人“{contact_id}”不存在", {"id": [contact_id]})
        return [{**h, "at": h["at"].isoformat(), "contact": contact_out(h["contact"])}
                for h in self.store.contact_history(contact_id)]

    @event_handler(ev.GATEWAY, ev.ACCOUNT_CHANGED)
    def on_account_changed(self, payload):
        """A person with an account is told like a contact (``account:<user id>``), without a separate entry."""
        commands.sync_account_contact(self.store, AccountChangedSchema().load(payload), self.clock.now())
