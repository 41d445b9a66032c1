"""Email (SMTP), webhooks (plain JSON, DingTalk and WeCom group robots) and SMS (an interface, no provider).

``send(delivery, secret)`` returns on success and raises ``ChannelError`` (its message in Chinese, for
the person reading the delivery log or the result of a test send) on any failure; the delivery round
records the error and schedules the retry.

DingTalk robots with 加签 (signing) need the robot's secret: each request carries ``timestamp`` (ms) and
``sign`` = Base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded, as DingTalk documents
(open.dingtalk.com, 自定义机器人安全设置). WeCom robots are authenticated by the ``key`` in their URL.
SMS: ``SMS_PROVIDERS`` is empty, so a contact's mobile number is kept but nothing is sent (docs/notifications.md).
"""
import base64
import hashlib
import hmac
import smtplib
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import requests

from services.notifications import messages
from shared.objects import object_store
from shared.settings import settings


class ChannelError(Exception):
    """A failed send; ``str(error)`` is the reason in Chinese."""


# Robot error codes a person may meet, in words (DingTalk and WeCom answer 200 with errcode != 0).
ROBOT_ERRORS = {
    310000: "签名校验失败、关键词不匹配或 IP 不在白名单（请核对加签密钥和机器人安全设置）",
    300001: "机器人令牌无效（请核对机器人地址）",
    300005: "机器人令牌无效（请核对机器人地址）",
    400101: "机器人令牌无效（请核对机器人地址）",
    130101: "发送过于频繁，机器人限流",
    93000: "机器人地址无效或机器人已被移除",
    45009: "发送过于频繁，机器人限流",
    40008: "消息类型不受支持",
}


def sign_dingtalk(url, secret, now_ms=None):
    """The DingTalk robot URL with ``timestamp`` and ``sign`` added (the 加签 scheme)."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest))
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("timestamp", "sign")]
    extra = urlencode(query) + ("&" if query else "") + f"timestamp={timestamp}&sign={sign}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, extra, parts.fragment))


def send_email(delivery, secret=None):
    current = settings()
    if not current.emails_enabled:  # a delivery planned before e-mail was switched off
        raise ChannelError("未配置邮件服务器（SMTP_HOST 为空），邮件不能发送")
    message = EmailMessage()
    message["From"] = current.smtp_from
    message["To"] = delivery["target"]
    message["Subject"] = delivery["subject"]
    message["Date"] = formatdate(localtime=False)
    # The delivery id in a header lets a mailbox (and the tests) spot a duplicate.
    message["Message-ID"] = make_msgid(domain="cctrack")
    message["X-Cctrack-Delivery"] = delivery["_id"]
    message.set_content(delivery["text"])
    rich = delivery.get("rich")
    if rich and rich.get("blocks"):  # notices: an HTML part with each centre's colour as a coloured tag
        message.add_alternative(messages.html(delivery["subject"], rich["blocks"], rich.get("heading")), subtype="html")
    for attachment in (delivery.get("extra") or {}).get("attachments") or ():  # a document's files (the 通报)
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(object_store().get(attachment["key"]), maintype=maintype, subtype=subtype,
                               filename=attachment["filename"])
    try:
        with smtplib.SMTP(current.smtp_host, current.smtp_port, timeout=current.smtp_timeout_seconds) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        raise ChannelError("邮件服务器拒收该收件地址") from None
    except smtplib.SMTPException as exc:
        raise ChannelError(f"邮件服务器拒绝发送（{type(exc).__name__}）") from None
    except TimeoutError:
        raise ChannelError("连接邮件服务器超时") from None
    except OSError:
        raise ChannelError(f"无法连接邮件服务器 {current.smtp_host}:{current.smtp_port}") from None


def send_webhook(delivery, secret=None):
    fmt = delivery.get("format") or "json"
    body = messages.webhook_body(fmt, delivery["subject"], delivery["text"],
                                 {"delivery_id": delivery["_id"], **(delivery.get("extra") or {})}, delivery.get("rich"))
    url = delivery["target"]
    if fmt == "dingtalk" and secret:
        url = sign_dingtalk(url, secret)
    try:
        response = requests.post(url, json=body, timeout=settings().webhook_timeout_seconds)
    except requests.Timeout:
        raise ChannelError("连接推送地址超时") from None
    except requests.RequestException:
        raise ChannelError(f"无法连接推送地址（{urlsplit(url).netloc}）") from None
    if response.status_code >= 300:
        raise ChannelError(f"对方返回 HTTP {response.status_code}")
    if fmt in ("dingtalk", "wecom"):
        # Both robots answer 200 with errcode != 0 when they refuse a message (bad token, signature, rate limit).
        try:
            errcode = int(response.json().get("errcode", 0))
        except (ValueError, AttributeError, TypeError):
            errcode = 0
        if errcode:
            reason = ROBOT_ERRORS.get(errcode, "机器人拒绝了消息")
            raise ChannelError(f"{reason}（错误码 {errcode}）")


class SmsProvider:
    """What an SMS gateway must do to be plugged in: ``send(mobile, text)``, raising ChannelError on failure.
    None is configured (docs/notifications.md); a provider is added to ``SMS_PROVIDERS`` by name."""

    name = ""

    def send(self, mobile, text):  # pragma: no cover - the interface
        raise NotImplementedError


SMS_PROVIDERS: dict = {}


def sms_provider():
    """The configured SMS provider, or None (none is configured in this version)."""
    return next(iter(SMS_PROVIDERS.values()), None)


def send_sms(delivery, secret=None):
    provider = sms_provider()
    if provider is None:
        raise ChannelError("未配置短信服务商，短信不能发送")
    provider.send(delivery["target"], delivery["text"])


SENDERS = {"email": send_email, "webhook": send_webhook, "sms": send_sms}


def send(delivery, secret=None):
    SENDERS[delivery["channel"]](delivery, secret)


def masked_url(url):
    """A webhook URL for display: its query values (a robot's access_token or key) cut to their last 4 characters."""
    if not url:
        return url
    parts = urlsplit(url)
    query = "&".join(f"{k}={mask(v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def mask(secret):
    """A secret for display: never in full."""
    if not secret:
        return secret
    return "••••" + (secret[-4:] if len(secret) > 8 else "")
