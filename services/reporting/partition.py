"""The part of the read model one reporting replica writes: its provinces (``REPORTING_PARTITION``).

Empty (the default): one writer owns every office, and every document keeps the ``_id`` it always had.
Otherwise the replica owns the offices of the listed provinces (2-digit area codes, ``00``: offices placed in
no province), and:

- its event handlers consume queues of their own (the queue name carries ``@<tag>``), bound like every other
  consumer's, so each partition receives EVERY event, in order, and applies only the part about its offices
  (``owned_payload``: an import chunk or a planned batch is split; other events name one office);
- the documents every change of a partition writes (the district's totals and their snapshots, the office
  buckets, the due days' counts, the ranking's places, the indicator district figures, the stashed import
  batches) carry the partition's tag in their ``_id`` (``doc_id``), so no two partitions write one document;
  the reads sum the partitions' documents (``store.district_doc``);
- the applied-event keys carry the tag as well (``key``): an event is applied once per partition.

Where an office lies is the office's province: from a centre's payload (each centre carries its office's
``province``), else from ``office_areas`` (learnt from those payloads and from ``reports rebuild``), else from
the assignment service (``Owner.province_of``), remembered in the process. An office in no province belongs
to the partition listing ``00``.
"""
import time
from dataclasses import dataclass, field

NO_PROVINCE = "00"
NOWHERE_FRESH_S = 300.0  # how long "this office lies in no province" is believed before asking again


class PartitionError(ValueError):
    """A partition setting that cannot be used."""


def parse(text):
    """The province codes of a ``REPORTING_PARTITION`` value (empty: every office)."""
    codes = [part.strip() for part in (text or "").split(",") if part.strip()]
    for code in codes:
        if len(code) != 2 or not code.isdigit():
            raise PartitionError(f"not a province code: {code!r}")
    if len(set(codes)) != len(codes):
        raise PartitionError(f"a province is listed twice: {text!r}")
    return frozenset(codes)


@dataclass(frozen=True)
class Partition:
    codes: frozenset = field(default_factory=frozenset)

    @classmethod
    def of(cls, text):
        return cls(parse(text))

    @property
    def whole(self):
        """One writer for everything (no partition)."""
        return not self.codes

    @property
    def tag(self):
        """'' for the whole model, else its provinces joined by '-' (in ``_id``s and queue names)."""
        return "-".join(sorted(self.codes))

    def doc_id(self, doc_id):
        """The ``_id`` of a document every change of this partition may write (the district's, a bucket's...)."""
        return doc_id if self.whole else f"{doc_id}@{self.tag}"

    def key(self, key):
        """An applied-event key of this partition."""
        return key if self.whole else f"{key}@{self.tag}"

    def queue_suffix(self):
        return "" if self.whole else f"@{self.tag}"

    def owns_province(self, province):
        return self.whole or (province or NO_PROVINCE)[:2] in self.codes


class Owner:
    """Which offices a partition owns. ``ask(office)`` tells where an office lies (the service asks its
    ``office_areas``, then the assignment service); each answer is remembered, as are the provinces the
    centres' payloads carry."""

    def __init__(self, partition):
        self.partition = partition
        self.known = {}    # office -> province
        self.nowhere = {}  # office -> when it was found in no province

    def learn(self, office, province):
        if office and province:
            self.known[office] = province[:2]

    def province_of(self, office, ask=None):
        if office not in self.known:
            asked = self.nowhere.get(office)
            if asked is not None and time.monotonic() - asked < NOWHERE_FRESH_S:
                return NO_PROVINCE
            province = ask(office) if ask is not None else None
            if province is None:  # remembered a while only: the office may be placed in a province later
                self.nowhere[office] = time.monotonic()
                return NO_PROVINCE
            self.known[office] = province[:2]
        return self.known[office]

    def owns(self, office, ask=None):
        return self.partition.whole or (office is not None and self.partition.owns_province(self.province_of(office, ask)))

    def owned_payload(self, name, payload, ask=None):
        """The part of an event's payload this partition applies (None: nothing), by the office it names."""
        if self.partition.whole or not isinstance(payload, dict):
            return payload
        for centre in list(payload.get("centres") or []) + [payload.get("centre") or {}]:
            if isinstance(centre, dict):
                self.learn(centre.get("office"), centre.get("province"))
        if isinstance(payload.get("centres"), list):  # an import chunk: the centres of its offices
            centres = [c for c in payload["centres"] if self.owns(c.get("office"), ask)]
            return {**payload, "centres": centres} if centres else None
        if isinstance(payload.get("planned"), list):  # a planned batch: the milestones of its offices' centres
            planned = [p for p in payload["planned"] if self.owns(p.get("office"), ask)]
            return {**payload, "planned": planned} if planned else None
        if isinstance(payload.get("centre"), dict):
            return payload if self.owns(payload["centre"].get("office"), ask) else None
        return payload if self.owns(payload.get("office"), ask) else None
