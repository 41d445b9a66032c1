"""Email (SMTP) and webhooks (plain JSON, DingTalk and WeCom robots).

``send(delivery)`` returns on success and raises on any failure; the delivery
round records the error and schedules the retry.
"""
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

from services.notifications import messages
from shared.settings import settings


class ChannelError(Exception):
    pass


def send_email(delivery):
    current = settings()
    if not current.emails_enabled:  # a delivery planned before e-mail was switched off
        raise ChannelError("e-mail is off: SMTP_HOST is empty")
    message = EmailMessage()
    message["From"] = current.smtp_from
    message["To"] = delivery["target"]
    message["Subject"] = delivery["subject"]
    message["Date"] = formatdate(localtime=False)
    # The delivery id in a header lets a mailbox (and the tests) spot a duplicate.
    message["Message-ID"] = make_msgid(domain="cctrack")
    message["X-Cctrack-Delivery"] = delivery["_id"]
    message.set_content(delivery["text"])
    with smtplib.SMTP(current.smtp_host, current.smtp_port, timeout=current.smtp_timeout_seconds) as smtp:
        smtp.send_message(message)


def send_webhook(delivery):
    body = messages.webhook_body(delivery.get("format") or "json", delivery["subject"], delivery["text"],
                                 {"delivery_id": delivery["_id"], **(delivery.get("extra") or {})})
    response = requests.post(delivery["target"], json=body, timeout=settings().webhook_timeout_seconds)
    if response.status_code >= 300:
        raise ChannelError(f"HTTP {response.status_code}")
    if delivery.get("format") in ("dingtalk", "wecom"):
        # Both robots answer 200 with errcode != 0 when they refuse a message (bad token, rate limit).
        try:
            errcode = response.json().get("errcode", 0)
        except ValueError:
            errcode = 0
        if errcode:
            raise ChannelError(f"robot errcode {errcode}: {response.text[:200]}")


SENDERS = {"email": send_email, "webhook": send_webhook}


def send(delivery):
    SENDERS[delivery["channel"]](delivery)
