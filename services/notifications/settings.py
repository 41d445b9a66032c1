"""Settings of the notifications service, with their defaults.

| key                           | default          | meaning |
|-------------------------------|------------------|---------|
| NOTIFY_REMIND_BEFORE          | 7,3,1            | reminders this many working days before a due date |
| NOTIFY_OVERDUE_EVERY          | 3                | overdue notice repeated every N working days |
| NOTIFY_OVERDUE_MAX            | 5                | at most this many overdue notices per item and due date |
| NOTIFY_ESCALATE_HEAD          | 5                | working days overdue before the office head is told |
| NOTIFY_ESCALATE_BUREAU        | 10               | working days overdue before the district bureau is told |
| NOTIFY_CATCH_UP_DAYS          | 10               | working days after an item's last step in which a scan still reads it (downtime) |
| NOTIFY_TICK_SECONDS           | 300              | interval of the timer (scan for today, then a delivery round) |
| NOTIFY_SOURCE_TIMEOUT_SECONDS | 60               | longest wait for one page of open items (a scan page may be a due day of 20,000 items) |
| NOTIFY_MAX_ATTEMPTS           | 6                | delivery attempts before a delivery is marked failed |
| NOTIFY_RETRY_BASE_SECONDS     | 60               | first retry delay; doubles each attempt |
| NOTIFY_RETRY_MAX_SECONDS      | 3600             | longest retry delay |
| NOTIFY_CLAIM_LEASE_SECONDS    | 300              | a claimed attempt with no outcome after this long is counted as failed |
| NOTIFY_DELIVERY_BATCH         | 200              | deliveries attempted per round |
| SMTP_HOST / SMTP_PORT         | (empty) / 25     | mail relay (plain SMTP, as on a government intranet); empty host: e-mail off |
| SMTP_FROM                     | cctrack@localhost | sender address |
| SMTP_TIMEOUT_SECONDS          | 10               | connect / send timeout |
| WEBHOOK_TIMEOUT_SECONDS       | 10               | webhook POST timeout |
"""
from shared.config import setting

DEFAULTS = {
    "NOTIFY_REMIND_BEFORE": "7,3,1",
    "NOTIFY_OVERDUE_EVERY": 3,
    "NOTIFY_OVERDUE_MAX": 5,
    "NOTIFY_ESCALATE_HEAD": 5,
    "NOTIFY_ESCALATE_BUREAU": 10,
    "NOTIFY_CATCH_UP_DAYS": 10,
    "NOTIFY_TICK_SECONDS": 300,
    "NOTIFY_SOURCE_TIMEOUT_SECONDS": 60,
    "NOTIFY_MAX_ATTEMPTS": 6,
    "NOTIFY_RETRY_BASE_SECONDS": 60,
    "NOTIFY_RETRY_MAX_SECONDS": 3600,
    "NOTIFY_CLAIM_LEASE_SECONDS": 300,
    "NOTIFY_DELIVERY_BATCH": 200,
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_FROM": "cctrack@localhost",
    "SMTP_TIMEOUT_SECONDS": 10,
    "WEBHOOK_TIMEOUT_SECONDS": 10,
}


def get(key):
    value = setting(key)
    return DEFAULTS[key] if value in (None, "") else value


def number(key):
    return float(get(key))


def integer(key):
    return int(get(key))


def email_enabled():
    """E-mail is sent only when ``SMTP_HOST`` is set (``.env.example``: empty means off)."""
    return bool(str(get("SMTP_HOST") or "").strip())
