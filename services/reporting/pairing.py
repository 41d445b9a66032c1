"""An import chunk's two batches met in memory, so the read model applies them as ONE change.

An import announces a chunk of new centres (``centres_registered``) and the milestones service answers it
with their planned milestones (``milestones_planned_batch``). Applied one after the other, the first inserts
every centre and the second rewrites every centre (its own figures count its milestones): one store write per
centre, most of the read model's time during an import. Met here, the chunk is applied once
(``batch.apply_centres_and_planned``: the same functions in the same order) and each centre is inserted once.

Each handler offers its batch and waits (without the write lock) up to ``wait_s`` for the other; the one that
arrives second applies both and wakes the first, whose message is acknowledged only then (a failure reaches
both handlers, and both events are retried). A batch whose partner does not come in time (a chunk with no new
milestones, a partner already applied alone) is applied alone: the result is the same, only slower. A planned
batch always comes after its chunk, so it waits for it as long as the chunk is not in the model: when the model
lags, its chunk may be many changes away. A partner
is recognised by its centres: the planned batch's centres are all in the chunk, on the same day. The meeting is
in memory, which holds because the service runs as one replica (its single writer); a sharded model would have
to route both batches of a chunk's offices to the same shard.
"""
import collections

import eventlet
from eventlet.event import Event
from nameko.extensions import DependencyProvider

CENTRES, PLANNED = "centres", "planned"
BOTH, TAKEN, ALONE = "both", "taken", "alone"
REMEMBERED = 20000  # centres of the latest batches applied alone (their partners must not wait for them)


class Offer:
    def __init__(self, kind, ids, day, data):
        self.kind, self.ids, self.day, self.data = kind, ids, day, data
        self.taken = False
        self._done = Event()

    def finish(self, error=None):
        """Called by the partner's handler once both batches are applied (or with what failed)."""
        self._done.send(error)

    def outcome(self):
        """Wait until the partner's handler finished; raise what failed there."""
        error = self._done.wait()
        if error is not None:
            raise error


class Pairing:
    def __init__(self, wait_s):
        self.wait_s = wait_s
        self._offers = {CENTRES: {}, PLANNED: {}}   # kind -> {centre id: Offer}
        self._alone = collections.OrderedDict()     # (kind, centre id) of the latest batches applied alone

    def meet(self, kind, ids, day, data, wait_s=None):
        """Where the batch of ``kind`` (its centres ``ids`` in order, its ``day``, its ``data``) goes:
        (BOTH, partner): the partner was waiting; apply both, then ``partner.finish()``;
        (TAKEN, offer): this batch waited and the partner's handler applies both: ``offer.outcome()``;
        (ALONE, None): no partner came in time (or none will: it was applied alone): apply this one alone.
        ``wait_s``: how long to wait for the partner, if not the ``Pairing``'s own."""
        other = PLANNED if kind == CENTRES else CENTRES
        waiting = self._offers[other]
        partner = next((waiting[i] for i in ids if i in waiting), None)
        if partner is not None and self._fits(kind, ids, day, partner):
            partner.taken = True
            self._withdraw(partner)
            return BOTH, partner
        if not ids or partner is not None or any((other, i) in self._alone for i in ids):
            return ALONE, None  # no partner will come: it went alone, or one is here that does not fit
        offer = Offer(kind, set(ids), day, data)
        for centre_id in ids:
            self._offers[kind][centre_id] = offer
        try:
            with eventlet.Timeout(self.wait_s if wait_s is None else wait_s, False):
                offer._done.wait()
        finally:
            if not offer.taken:  # in time or not: no partner may take it any more
                self._withdraw(offer)
        return (TAKEN, offer) if offer.taken else (ALONE, None)

    def applied_alone(self, kind, ids):
        """Remember that this batch was applied alone: its partner, arriving later, does not wait, and one
        waiting already stops waiting."""
        waiting = self._offers[PLANNED if kind == CENTRES else CENTRES]
        for offer in {id(o): o for o in (waiting.get(i) for i in ids) if o is not None}.values():
            self._withdraw(offer)
            offer._done.send(None)
        for centre_id in ids:
            self._alone[(kind, centre_id)] = True
            while len(self._alone) > REMEMBERED:
                self._alone.popitem(last=False)

    @staticmethod
    def _fits(kind, ids, day, partner):
        if partner.taken or partner.day != day:
            return False
        planned, centres = (ids, partner.ids) if kind == PLANNED else (partner.ids, set(ids))
        return all(i in centres for i in planned)

    def _withdraw(self, offer):
        offers = self._offers[offer.kind]
        for centre_id in offer.ids:
            if offers.get(centre_id) is offer:
                del offers[centre_id]


class Pairs(DependencyProvider):
    """One ``Pairing`` per service container (its handlers meet there)."""

    def __init__(self, wait_s):
        self.wait_s = wait_s
        self.pairing = None

    def setup(self):
        self.pairing = Pairing(self.wait_s)

    def get_dependency(self, worker_ctx):
        return self.pairing
