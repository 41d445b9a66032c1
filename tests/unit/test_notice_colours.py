"""The centre's 序时进度 colour in every form a notice takes: inbox text, e-mail (text and HTML part), WeCom and
DingTalk robot markdown, generic webhook JSON, and the digest (no network, no broker)."""
import email
from datetime import date

import pytest

from services.notifications import channels, messages, planning
from services.notifications.items import milestone_item
from services.notifications.rules import Step

RAW = {"centre_id": "js01-c02", "centre_name": "安泰社区", "office": "丰庆路街道", "key": "p3_construction",
       "title": "建设施工", "due": "2017-12-29"}
WORDS = {"red": "红色：已逾期", "yellow": "黄色：落后序时进度", "blue": "蓝色：即将到期", "green": "绿色：进度正常"}
HTML_BACKGROUND = {"red": "#c62828", "yellow": "#ffe082", "blue": "#1565c0", "green": "#2e7d32"}


def pace(colour):
    return {"colour": colour, "expected_percent": 62.5, "percent_done": 40.0, "on": "2018-01-05"}


def notice(colour, step=None):
    item = milestone_item(RAW)
    step = step or Step("overdue_1", "overdue", 4, 1)
    docs = planning.coloured(planning.plan_notices(item, [step], [{"id": "s1", "name": "张三", "scope": "office",
                                                                   "office": "丰庆路街道", "role": "staff",
                                                                   "mode": "immediate"}],
                                                   date(2018, 1, 5), None), pace(colour))
    return docs[1]  # the contact's notice


@pytest.mark.parametrize("colour", sorted(WORDS))
def test_the_inbox_text_names_the_colour_and_the_pace_as_of_the_notice_s_day(colour):
    doc = notice(colour)
    assert doc["pace"] == pace(colour)
    assert doc["text"].endswith(f"中心状态：{WORDS[colour]}；序时进度：应完成 62.5%，已完成 40%（截至 2018-01-05）")
    assert "截至 2018-01-05 已逾期 4 个工作日" in doc["text"]


def delivery(colour, fmt=None, channel="email"):
    doc = notice(colour)
    message = planning.Message(doc["_id"], [doc["_id"]], doc["subject"], messages.with_link(doc["text"], doc["item"]),
                               {"pace": doc["pace"], "pace_text": messages.pace_line(doc["pace"])},
                               planning.rich_of([doc]))
    return {"_id": "d1", "channel": channel, "format": fmt, "target": "x@example.org", "subject": message.subject,
            "text": message.text, "extra": message.extra, "rich": message.rich}


@pytest.mark.parametrize("colour", sorted(WORDS))
def test_the_e_mail_has_the_colour_in_its_text_and_as_a_coloured_tag_in_its_html(colour, monkeypatch):
    sent = []

    class Smtp:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def send_message(self, message):
            sent.append(email.message_from_bytes(message.as_bytes(), policy=email.policy.default))

    from nameko import config

    monkeypatch.setattr(channels.smtplib, "SMTP", Smtp)
    with config.patch({"SMTP_HOST": "127.0.0.1"}):
        channels.send_email(delivery(colour))
    text = sent[0].get_body(("plain",)).get_content()
    html = sent[0].get_body(("html",)).get_content()
    assert WORDS[colour] in text and "应完成 62.5%" in text
    assert WORDS[colour] in html and f"background:{HTML_BACKGROUND[colour]}" in html and "应完成 62.5%" in html
    assert 'href="http' in html and "js01-c02?milestone=p3_construction" in html


@pytest.mark.parametrize("colour", sorted(WORDS))
@pytest.mark.parametrize("fmt", ["wecom", "dingtalk", "json"])
def test_robots_get_markdown_with_the_colour_and_the_webhook_json_carries_it(colour, fmt, monkeypatch):
    posted = []

    class Answer:
        status_code = 200

        def json(self):
            return {"errcode": 0}

    monkeypatch.setattr(channels.requests, "post", lambda url, json, timeout: posted.append(json) or Answer())
    channels.send_webhook(delivery(colour, fmt, "webhook"))
    body = posted[0]
    if fmt == "json":
        assert body["pace"] == pace(colour) and WORDS[colour] in body["pace_text"] and WORDS[colour] in body["text"]
        return
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"] if fmt == "wecom" else body["markdown"]["text"]
    assert f"**{WORDS[colour]}**" in content and "序时进度：应完成 62.5%，已完成 40%（截至 2018-01-05）" in content
    assert "[查看详情](http" in content
    if fmt == "dingtalk":
        assert body["markdown"]["title"].startswith("【逾期通知】") and HTML_BACKGROUND[colour] in content
    else:
        assert '<font color="' in content


def test_a_digest_lists_each_item_s_colour_and_a_robot_s_stays_within_its_limit():
    docs = [{**notice(c), "_id": c, "item_key": c} for c in ("red", "green")]
    text = messages.digest("张三", "2018-01-05", docs)
    assert text.count("中心状态：") == 2 and "红色：已逾期" in text and "绿色：进度正常" in text
    many = planning.rich_of(docs * 40, messages.digest_heading("张三", "2018-01-05", 80))
    content = messages.webhook_body("wecom", "【每日汇总】", text, {}, many)["markdown"]["content"]
    assert len(content.encode()) <= 4096 and "未列出，请登录系统查看" in content and "红色：已逾期" in content


def test_a_notice_without_a_colour_and_a_test_message_stay_plain_text():
    doc = {**notice("red"), "pace": None}
    assert messages.pace_line(None) == "" and messages.with_pace("正文", None) == "正文"
    assert messages.webhook_body("wecom", "s", "正文", {}, None) == {"msgtype": "text", "text": {"content": "正文"}}
    assert planning.rich_of([doc])["blocks"][0]["pace"] is None
