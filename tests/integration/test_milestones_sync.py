"""The milestones sync against the real broker and store: the timer's bounded share of offices from a kept
cursor repairs what the milestones service missed, and leaves offices in step alone."""
from datetime import UTC, date, datetime

from nameko import config
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from tests.support.waiting import wait_for

TOTAL = 100 * 6 + 5 * 8  # milestones of the Jinshui table: 6 per centre, 8 per pilot
ADMIN = {"role": "admin", "office": None, "name": "test"}


def settled(stack):
    """The Jinshui table imported and every centre's milestones made by the events."""
    ids = [c["id"] for c in stack.get("/api/centres", params={"limit": 1000}).json()["items"]]
    wait_for(lambda: len(stack.rpc.milestones.states_of_centres({"centre_ids": ids})) == TOTAL, "every milestone")


def behind_the_milestones_back(change):
    """Write to the assignment store directly: the change is stored but no event is sent."""
    from services.assignment.store import AssignmentStore
    from shared.mongo import connect

    client, db = connect("assignment")
    try:
        change(AssignmentStore(db), datetime(2017, 3, 2, tzinfo=UTC))
    finally:
        client.close()


def cursor():
    from services.milestones.store import MilestoneStore
    from shared.mongo import connect

    client, db = connect("milestones")
    try:
        return MilestoneStore(db).sync_cursor()
    finally:
        client.close()


def test_a_tick_repairs_missed_events_from_a_cursor_that_advances_and_wraps(stack, clock):
    from services.milestones.service import MilestonesService

    clock.set("2017-03-01")
    stack.import_jinshui()
    settled(stack)
    whole = stack.rpc.milestones.sync_centres()  # every office, compared: all in step
    assert (whole["offices"], whole["centres"], whole["reconciled"], whole["next"]) == (17, 105, 0, None)

    def missed(store, now):
        moved = {**store.get("js01-c02"), "office": "国基路街道"}  # 丰庆路街道 (place 1) -> 国基路街道 (place 2)
        store.save(moved, 1, ADMIN, "区划调整", now)
        new = {"id": "js17-c99", "name": "新建社区", "level": "community", "office": "杜岭街道",  # place 17
               "deadline": date(2017, 12, 31), "pilot": False, "remark": ""}
        store.save(new, 0, ADMIN, "新增", now)
        store.recount_offices(["丰庆路街道", "国基路街道", "杜岭街道"])
    behind_the_milestones_back(missed)
    assert stack.get("/api/centres/js17-c99/milestones").status_code == 404

    container = get_container(stack.runner, MilestonesService)
    with config.patch({"MILESTONES_SYNC_OFFICES": 10}), entrypoint_hook(container, "periodic_sync") as tick:
        first = tick()  # places 1-10: the moved centre, listed under 国基路街道, kept under 丰庆路街道
        assert (first["offset"], first["offices"], first["next"], cursor()) == (0, 10, 10, 10)
        assert (first["repaired"], first["moved"], first["created"]) == (["js01-c02"], 1, 0)
        second = tick()  # places 11-17: the centre registered without an event; then back to the start
        assert (second["offset"], second["offices"], second["next"], cursor()) == (10, 7, 0, 0)
        assert (second["repaired"], second["created"], second["moved"]) == (["js17-c99"], 6, 0)
        third = tick()  # offices in step: compared, nothing reconciled
        assert (third["offset"], third["offices"], third["centres"], third["reconciled"]) == (0, 10, 61, 0)
        assert cursor() == 10
    got = stack.get("/api/centres/js17-c99/milestones").json()["milestones"]
    assert len(got) == 6 and {m["status"] for m in got} == {"not_started"}
    history = stack.get("/api/centres/js01-c02/history").json()
    assert [h["kind"] for h in history["items"] if h.get("kind") in ("moved_out", "moved_in")] == ["moved_out",
                                                                                                    "moved_in"]
    assert stack.rpc.milestones.sync_centres({"offset": 0, "limit": 17})["reconciled"] == 0
