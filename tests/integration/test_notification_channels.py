"""Channels, test sends, links, digests and the inbox against the real broker and store, with local fake WeCom and
DingTalk robots (the DingTalk signature checked on the fake's side) and the local SMTP server (aiosmtpd)."""
import re
from datetime import date

import pytest

from tests.support.receivers import RobotServer, SmtpServer
from tests.support.waiting import wait_for

OFFICE = "丰庆路街道"
SECRET = "SEC0123456789abcdef0123456789abcdef"


@pytest.fixture
def robots(tmp_path, stack, clock):
    from nameko import config

    smtp = SmtpServer(tmp_path / "mail").start()
    wecom = RobotServer("wecom", "wecom-key-7f3e9a").start()
    dingtalk = RobotServer("dingtalk", "ding-token-4b2c", secret=SECRET).start()
    with config.patch({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "NOTIFY_TICK_SECONDS": 3600,
                       "NOTIFY_DIGEST_SECONDS": 3600, "PUBLIC_URL": "https://cc.example.gov.cn"}):
        clock.set("2017-06-01")
        stack.import_jinshui()
        wait_for(lambda: len(stack.rpc.reporting.open_items({"before": "2030-01-01", "limit": 1000})["items"]) > 500,
                 timeout=600, what="the open milestones in the read model")
        yield smtp, wecom, dingtalk
    dingtalk.stop()
    wecom.stop()
    smtp.stop()


def add(stack, contact):
    response = stack.post("/api/notifications/contacts", json=contact)
    assert response.status_code == 201, response.text
    return response.json()


def test_robots_and_mail_test_sends_links_and_a_digest_with_each_item_once(stack, robots, clock, run_cli):
    smtp, wecom, dingtalk = robots
    add(stack, {"id": "fql-wecom", "name": "丰庆路工作群", "scope": "office", "office": OFFICE,
                "webhook": wecom.url, "webhook_format": "wecom"})
    head = add(stack, {"id": "fql-ding", "name": "丰庆路分管领导群", "scope": "office", "office": OFFICE, "role": "head",
                       "webhook": dingtalk.url, "webhook_format": "dingtalk", "secret": SECRET})
    add(stack, {"id": "bureau-mail", "name": "区文旅局科室", "scope": "bureau", "email": "kes@example.org",
                "mode": "daily_digest"})

    # secrets are never shown back in full
    assert head["has_secret"] and SECRET not in str(head) and head["secret"].endswith(SECRET[-4:])
    listed = stack.get("/api/notifications/contacts", params={"office": OFFICE}).json()["items"]
    assert "wecom-key-7f3e9a" not in str(listed) and "ding-token-4b2c" not in str(listed) and SECRET not in str(listed)
    assert stack.rpc.notifications.contact_history("fql-ding")[0]["contact"]["secret"] != SECRET

    # 测试发送: each robot receives the test message; the DingTalk fake checked the signature
    tested = stack.post("/api/notifications/contacts/fql-wecom/test").json()
    assert tested["results"] == [{"channel": "webhook", "format": "wecom", "label": "企业微信群机器人", "ok": True,
                                  "message": "企业微信群机器人发送成功"}]
    assert len(wecom.messages) == 1 and "测试消息" in wecom.messages[0]
    assert stack.post("/api/notifications/contacts/fql-ding/test").json()["results"][0]["ok"] is True
    assert len(dingtalk.messages) == 1 and not dingtalk.refused
    assert stack.post("/api/notifications/contacts/bureau-mail/test").json()["results"][0]["ok"] is True
    wait_for(lambda: len(smtp.messages()) == 1, what="the test e-mail")

    # a wrong secret: the fake refuses the signature and the person reads why, in Chinese
    changed = stack.http.patch("/api/notifications/contacts/fql-ding", headers=stack.headers("admin"),
                               json={"secret": "SECwrong"})
    assert changed.status_code == 200
    failed = stack.post("/api/notifications/contacts/fql-ding/test").json()["results"][0]
    assert failed["ok"] is False and "钉钉群机器人发送失败" in failed["message"] and "签名" in failed["message"]
    assert len(dingtalk.refused) == 1
    log = stack.get("/api/notifications/contacts/fql-ding/deliveries").json()["items"]
    assert sorted(d["status"] for d in log) == ["failed", "sent"]
    assert "签名" in [d for d in log if d["status"] == "failed"][0]["last_error"]
    assert all(d["test"] and "ding-token-4b2c" not in d["target"] for d in log)
    stack.http.patch("/api/notifications/contacts/fql-ding", headers=stack.headers("admin"), json={"secret": SECRET})
    # an address nobody listens on
    add(stack, {"id": "nowhere", "name": "无效地址", "scope": "bureau", "webhook": "http://127.0.0.1:9/x",
                "webhook_format": "wecom"})
    unreachable = stack.post("/api/notifications/contacts/nowhere/test").json()["results"][0]
    assert unreachable["ok"] is False and "无法连接" in unreachable["message"]
    assert stack.post("/api/notifications/contacts/fql-wecom/test", role="office", office=OFFICE).status_code == 403
    code, out, _ = run_cli("contacts", "test", "fql-wecom")
    assert code == 0 and "企业微信群机器人发送成功" in out and len(wecom.messages) == 2
    assert run_cli("contacts", "test", "nowhere")[0] == 1
    wecom.messages.clear()

    # the hour of a contact's digest: 0-23, else 400 naming the field
    for hour in (24, "x", -1):
        refused = stack.post("/api/notifications/contacts", json={
            "id": "bad-hour", "name": "时间有误", "scope": "bureau", "email": "b@example.org", "mode": "daily_digest",
            "digest_hour": hour})
        assert refused.status_code == 400 and "digest_hour" in refused.json()["details"], refused.text
        assert "0 到 23" in str(refused.json()["details"]["digest_hour"])
    add(stack, {"id": "bureau-late", "name": "区文旅局分管领导", "scope": "bureau", "email": "lead@example.org",
                "mode": "daily_digest"})
    patched = stack.http.patch("/api/notifications/contacts/bureau-late", headers=stack.headers("admin"),
                               json={"digest_hour": 10})
    assert patched.status_code == 200 and patched.json()["digest_hour"] == 10
    assert stack.http.patch("/api/notifications/contacts/bureau-late", headers=stack.headers("admin"),
                            json={"digest_hour": "x"}).status_code == 400

    # notices: the pilots' milestones due 2017-06-30 are 5 working days overdue on 2017-07-07 (the head is told);
    # each names its centre's colour and 序时进度 as the read model has them that day
    for day in ("2017-07-07", "2017-07-14"):
        clock.set(day)
        stack.rpc.notifications.scan({"as_of": day})
        stack.rpc.notifications.deliver()
        if day == "2017-07-07":
            centre = stack.rpc.reporting.centre_summary("js01-c01")
    assert centre["colour"] == "red"
    link = "https://cc.example.gov.cn/#/centre/js01-c01?milestone=p3_construction"
    pace = "序时进度：应完成 {:g}%，已完成 {:g}%（截至 2017-07-07）".format(centre["expected_percent"], centre["percent_done"])
    assert any(link in m and "截至 2017-07-07 已逾期 5 个工作日" in m and '<font color="warning">**红色：已逾期**</font>' in m
               and pace in m for m in wecom.messages)
    assert any("逾期升级·街道负责人" in m and link in m and "**红色：已逾期**" in m and pace in m for m in dingtalk.messages)
    assert len(dingtalk.refused) == 1
    inbox = stack.get("/api/notifications", role="office", office=OFFICE, params={"centre_id": "js01-c01"}).json()
    seen = [n for n in inbox["items"] if n["as_of"] == "2017-07-07"]
    assert seen and all(n["pace"] == {"colour": "red", "expected_percent": centre["expected_percent"],
                                      "percent_done": centre["percent_done"], "on": "2017-07-07"} for n in seen)
    assert all("中心状态：红色：已逾期；" + pace in n["text"] for n in seen)

    # the bureau's digests of 2017-07-14 go out from each contact's hour of the next day (China time), once:
    # NOTIFY_DIGEST_HOUR (8) for the one, 10 o'clock for the other
    clock.set("2017-07-15T07:59:00")
    assert stack.rpc.notifications.digest()["digests"] == 0
    clock.set("2017-07-15T08:00:00")
    assert stack.rpc.notifications.digest()["digests"] == 1
    clock.set("2017-07-15T09:59:00")
    assert stack.rpc.notifications.digest()["digests"] == 0
    clock.set("2017-07-15T10:00:00")
    assert stack.rpc.notifications.digest()["digests"] == 1
    clock.set("2017-07-17T10:00:00")
    assert stack.rpc.notifications.digest()["digests"] == 0  # built once
    digests = {m["To"]: m for m in smtp.messages() if "2017-07-14" in m["Subject"] and "每日汇总" in m["Subject"]}
    assert sorted(digests) == ["kes@example.org", "lead@example.org"]
    bodies = []
    for mail in digests.values():
        body = mail.get_body(("plain",)).get_content()
        links = re.findall(r"查看：(\S+)", body)
        count = int(re.search(r"共有 (\d+) 项", body).group(1))
        assert count == len(links) == len(set(links)) > 0  # each item once, each with its own link
        assert body.count("   中心状态：") == count  # each with its centre's colour
        assert "2017-07-14 共有" in body and "#/centre/js05-v01?milestone=p3_construction" in body
        html = mail.get_body(("html",)).get_content()
        assert html.count("background:#c62828") >= 1 and "查看详情" in html
        bodies.append(sorted(links))
    assert bodies[0] == bodies[1]  # the same day's items for both


def test_the_inbox_filters_reads_all_and_speaks_for_its_day(stack, robots, clock):
    for day in ("2017-07-03", "2017-07-07"):
        clock.set(day)
        stack.rpc.notifications.scan({"as_of": day})

    def page(**params):
        response = stack.get("/api/notifications", role="office", office=OFFICE, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def walk(**params):
        seen, cursor = [], None
        while True:
            answer = page(**params, **({"cursor": cursor} if cursor else {}))
            seen += answer["items"]
            cursor = answer["cursor"]
            if not cursor:
                return seen

    everything = walk(limit=7)
    first = page(limit=7)
    assert first["total"] == first["unread"] == len(everything) == len({n["id"] for n in everything}) > 7
    assert [n["as_of"] for n in everything] == sorted((n["as_of"] for n in everything), reverse=True)

    # by kind, by centre: only those
    centre = page(centre_id="js01-c01", limit=200)["items"]
    assert centre and {n["centre_id"] for n in centre} == {"js01-c01"}
    assert len(centre) == len([n for n in everything if n["centre_id"] == "js01-c01"])
    assert {n["item_kind"] for n in page(kind="milestone", limit=200)["items"]} == {"milestone"}
    bogus = stack.get("/api/notifications", role="office", office=OFFICE, params={"kind": "bogus"})
    assert bogus.status_code == 400 and "kind" in bogus.json()["details"]

    # a notice speaks for its day, and its count agrees with the overdue list of that day
    notice = [n for n in everything if n["as_of"] == "2017-07-03" and n["item_key"].startswith("milestone:js01-c01/")][0]
    assert notice["link"] == "/centre/js01-c01?milestone=" + notice["item_key"].split("/")[1].split("@")[0]
    row = [r for r in stack.get("/api/overdue", role="office", office=OFFICE,
                                params={"as_of": "2017-07-03", "limit": 1000}).json()["items"]
           if r["item_key"] == notice["item_key"]][0]
    assert notice["days"] == row["days_overdue"] == 1
    assert f"截至 2017-07-03 已逾期 {row['days_overdue']} 个工作日" in notice["text"]

    # opening one marks it read (the counter follows, once even if read twice); 全部已读 empties the rest
    opened = stack.post("/api/notifications/{}/read".format(notice["id"]), role="office", office=OFFICE).json()
    assert opened["read_at"]
    stack.post("/api/notifications/{}/read".format(notice["id"]), role="office", office=OFFICE)
    assert page(limit=1)["unread"] == len(everything) - 1
    unread = walk(unread="true", limit=4)  # the unread bucket, page after page
    assert sorted(n["id"] for n in unread) == sorted(n["id"] for n in everything if n["id"] != notice["id"])
    assert notice["id"] not in {n["id"] for n in page(unread="true", limit=200)["items"]}
    done = stack.post("/api/notifications/read-all", role="office", office=OFFICE).json()
    assert done == {"marked": len(everything) - 1, "more": False}
    after = page(limit=200)
    assert after["unread"] == 0 and all(n["read_at"] for n in after["items"])
    assert page(unread="true")["items"] == []
    # another office's inbox is untouched
    other = stack.get("/api/notifications", role="office", office="国基路街道", params={"limit": 1}).json()
    assert other["unread"] == other["total"] > 0
    assert date.fromisoformat(notice["as_of"]) == date(2017, 7, 3)
