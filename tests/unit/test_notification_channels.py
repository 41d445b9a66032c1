"""Robot signing, masking and a digest's one line per item (no network, no broker)."""
import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from services.notifications import channels, commands


def test_the_dingtalk_signature_follows_the_documented_scheme():
    url = channels.sign_dingtalk("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECxyz", now_ms=1570500000000)
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == ["1570500000000"]
    expected = base64.b64encode(hmac.new(b"SECxyz", b"1570500000000\nSECxyz", hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]  # parse_qs undoes the URL-encoding of "+", "/" and "="


def test_secrets_and_robot_tokens_are_never_shown_in_full():
    shown = channels.masked_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")
    assert "693a91f6" not in shown and shown.endswith("key=••••5aaa")
    assert channels.mask("SEC0123456789abcdef") == "••••cdef" and channels.mask("short") == "••••"


def notice(nid, item_key, kind, days):
    return {"_id": nid, "item_key": item_key, "kind": kind, "days": days,
            "item": {"office": "丰庆路街道", "centre_id": "js01-c01", "title": item_key}}


def test_a_digest_lists_each_item_once_at_its_furthest_step():
    chosen = commands.once_per_item([notice("a", "p4", "overdue", 10), notice("b", "p4", "escalate_bureau", 10),
                                     notice("c", "p3", "remind", 1)])
    assert [(n["item_key"], n["kind"]) for n in chosen] == [("p3", "remind"), ("p4", "escalate_bureau")]


def test_each_kind_of_item_links_to_its_own_page():
    from services.notifications.messages import item_path, item_url

    assert item_path({"kind": "milestone", "ref": "js01-c01/p3_construction", "centre_id": "js01-c01"}) == \
        "/centre/js01-c01?milestone=p3_construction"
    assert item_path({"kind": "rectification", "ref": "r-42", "centre_id": "js01-c01"}) == "/rectification/r-42"
    assert item_path({"kind": "monthly_report", "ref": "x", "centre_id": "js01-c01"}) == "/monthly/js01-c01"
    assert item_url({"kind": "rectification", "ref": "r 1", "centre_id": "c"}).endswith("/#/rectification/r%201")
