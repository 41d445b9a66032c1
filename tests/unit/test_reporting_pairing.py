"""An import chunk's two batches meet in the reporting service (services/reporting/pairing.py): the second
to arrive applies both and wakes the first; a batch without a partner in time, or whose partner was applied
alone, goes alone."""
import eventlet
import pytest

from services.reporting import pairing
from services.reporting.pairing import ALONE, BOTH, CENTRES, PLANNED, TAKEN, Pairing


def test_the_second_batch_takes_the_waiting_one_and_its_outcome_reaches_the_first():
    p = Pairing(wait_s=5)
    waiting = eventlet.spawn(p.meet, CENTRES, ["a", "b", "c"], "2017-03-01", {"centres": "chunk"})
    eventlet.sleep(0)
    role, partner = p.meet(PLANNED, ["b", "c"], "2017-03-01", {"planned": "plan"})
    assert role == BOTH and partner.data == {"centres": "chunk"}
    role, offer = waiting.wait()
    assert role == TAKEN and offer is partner
    outcome = eventlet.spawn(offer.outcome)
    eventlet.sleep(0)
    partner.finish()
    assert outcome.wait() is None

    waiting = eventlet.spawn(p.meet, PLANNED, ["x"], "2017-03-01", {})
    eventlet.sleep(0)
    role, partner = p.meet(CENTRES, ["w", "x"], "2017-03-01", {})
    partner.finish(RuntimeError("store away"))
    role, offer = waiting.wait()
    with pytest.raises(RuntimeError, match="store away"):
        offer.outcome()


def test_no_partner_in_time_goes_alone_and_its_partner_then_does_not_wait():
    p = Pairing(wait_s=0.05)
    assert p.meet(CENTRES, ["a", "b"], "2017-03-01", {}) == (ALONE, None)
    p.applied_alone(CENTRES, ["a", "b"])
    p.wait_s = 30  # would wait, were the chunk not known to be applied
    assert p.meet(PLANNED, ["b"], "2017-03-01", {}) == (ALONE, None)
    with eventlet.Timeout(5):
        assert p.meet(PLANNED, ["q"], "2017-03-01", {}, wait_s=0) == (ALONE, None)  # the caller's wait


def test_a_batch_applied_alone_stops_its_waiting_partner():
    p = Pairing(wait_s=30)
    waiting = eventlet.spawn(p.meet, PLANNED, ["b"], "2017-03-01", {})
    eventlet.sleep(0)
    p.applied_alone(CENTRES, ["a", "b"])
    with eventlet.Timeout(5):
        assert waiting.wait() == (ALONE, None)


def test_batches_of_other_centres_or_days_do_not_meet():
    p = Pairing(wait_s=0.05)
    waiting = eventlet.spawn(p.meet, CENTRES, ["a", "b"], "2017-03-01", {})
    eventlet.sleep(0)
    assert p.meet(PLANNED, ["b", "z"], "2017-03-01", {}) == (ALONE, None)  # z is not in the chunk
    assert p.meet(PLANNED, ["b"], "2017-03-02", {}) == (ALONE, None)  # another day
    assert waiting.wait() == (ALONE, None)
    assert p._offers == {CENTRES: {}, PLANNED: {}}  # nothing left waiting


def test_what_is_remembered_as_applied_alone_is_bounded(monkeypatch):
    monkeypatch.setattr(pairing, "REMEMBERED", 3)
    p = Pairing(wait_s=0)
    p.applied_alone(CENTRES, ["a", "b", "c", "d"])
    assert list(p._alone) == [(CENTRES, "b"), (CENTRES, "c"), (CENTRES, "d")]
