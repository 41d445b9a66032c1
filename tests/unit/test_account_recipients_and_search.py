"""People with accounts as notice recipients (notifications) and centre name search (assignment), on mongomock."""
from datetime import UTC, date, datetime

import mongomock
import pytest

from services.assignment.store import AssignmentStore, name_grams
from services.notifications import commands
from services.notifications.store import NotificationsStore

NOW = datetime(2018, 1, 5, 1, 0, tzinfo=UTC)
ACTOR = {"role": "admin", "office": None, "name": "t"}


@pytest.fixture(autouse=True)
def email_on():
    """E-mail is off unless SMTP_HOST is set (shared/settings.py: emails_enabled)."""
    from nameko import config

    with config.patch({"SMTP_HOST": "127.0.0.1"}):
        yield


@pytest.fixture
def notifications():
    s = NotificationsStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def account(**kw):
    return {"id": "u_1", "login": "fql01", "name": "张三", "mobile": "13800138000", "email": "zs@example.cn",
            "role": "office", "office": "丰庆路街道", "active": True, "at": NOW, **kw}


def test_office_account_is_its_office_staff_and_admin_the_bureau(notifications):
    saved = commands.sync_account_contact(notifications, account(), NOW)
    assert saved["id"] == "account:u_1" and saved["scope"] == "office" and saved["office"] == "丰庆路街道"
    assert saved["role"] == "staff" and saved["email"] == "zs@example.cn" and saved["active"]
    assert [c["id"] for c in notifications.active_contacts()] == ["account:u_1"]
    bureau = commands.sync_account_contact(notifications, account(id="u_2", role="admin", office=None), NOW)
    assert bureau["scope"] == "bureau" and bureau["office"] is None


def test_changes_follow_the_account_and_keep_what_an_admin_chose(notifications):
    commands.sync_account_contact(notifications, account(), NOW)
    commands.update_contact(notifications, commands.UpdateContact("account:u_1", {"role": "head", "mode": "daily_digest"}, ACTOR, NOW))
    moved = commands.sync_account_contact(notifications, account(office="国基路街道", email="new@example.cn"), NOW)
    assert moved["office"] == "国基路街道" and moved["email"] == "new@example.cn"
    assert moved["role"] == "head" and moved["mode"] == "daily_digest"
    same = commands.sync_account_contact(notifications, account(office="国基路街道", email="new@example.cn"), NOW)
    assert same["version"] == moved["version"]  # nothing changed, no new revision
    off = commands.sync_account_contact(notifications, account(office="国基路街道", active=False), NOW)
    assert off["active"] is False and notifications.active_contacts() == []


def test_inspectors_and_disabled_new_accounts_are_not_recipients(notifications):
    assert commands.sync_account_contact(notifications, account(role="inspector", office=None), NOW) is None
    assert commands.sync_account_contact(notifications, account(id="u_3", active=False), NOW) is None
    commands.sync_account_contact(notifications, account(id="u_4"), NOW)
    became = commands.sync_account_contact(notifications, account(id="u_4", role="inspector", office=None), NOW)
    assert became["active"] is False


@pytest.fixture
def assignment():
    s = AssignmentStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    names = [("js01-c01", "四月天社区", "丰庆路街道"), ("js01-c02", "安泰社区", "丰庆路街道"),
             ("js02-c01", "四月天花园", "国基路街道"), ("js02-v01", "燕庄村", "国基路街道"),
             ("js03-c01", "国泰花园", "北林路街道")]
    for cid, name, office in names:
        s.save({"id": cid, "name": name, "level": "community", "office": office, "deadline": date(2017, 12, 31),
                "pilot": False, "remark": ""}, 0, ACTOR, "test", NOW)
    return s


def test_name_grams_are_characters_and_pairs():
    assert name_grams("四月天") == {"四", "月", "天", "四月", "月天"}
    assert name_grams("燕庄 村") == {"燕", "庄", "燕庄", "村"}


def test_search_by_chinese_name(assignment):
    assert [c["id"] for c in assignment.search("四月天")] == ["js01-c01", "js02-c01"]
    assert [c["id"] for c in assignment.search("四月天", office="国基路街道")] == ["js02-c01"]
    assert [c["name"] for c in assignment.search("社区")] == ["安泰社区", "四月天社区"]
    assert [c["name"] for c in assignment.search("村")] == ["燕庄村"]  # one character works too
    assert [c["name"] for c in assignment.search("花园 国泰")] == ["国泰花园"]  # every word must appear
    assert assignment.search("月社") == [] and assignment.search("  ") == []
    assert len(assignment.search("社区", limit=1)) == 1


def test_search_reads_by_equality_on_one_gram(assignment):
    queries = []
    original = assignment.centres.find

    def spy(query=None, *args, **kwargs):
        queries.append(query)
        return original(query, *args, **kwargs)
    assignment.centres.find = spy
    assignment.search("四月天社区")
    assert queries and all(set(q) <= {"name_grams", "office"} and isinstance(q["name_grams"], str) for q in queries)


def test_centres_saved_before_search_existed_get_their_grams_once(assignment):
    assignment.centres.update_many({}, {"$unset": {"name_grams": ""}})
    assignment.db.meta.delete_many({})
    assignment.ensure_indexes()
    assert [c["id"] for c in assignment.search("燕庄")] == ["js02-v01"]
