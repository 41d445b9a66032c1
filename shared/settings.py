"""The settings: one typed object for every service, validated when a container starts.

This is the only module that reads settings from nameko's config or the environment.
A setting's value is taken from nameko's config first (``deploy/nameko.yaml`` substitutes
environment variables into it; tests patch it), then from the environment, then from its
default below. Each setting is one field of ``Settings``: its type, default, allowed values
and one-line meaning are declared together, and ``docs/settings.md`` is this table (a unit
test compares them; ``python -m shared.settings table`` prints it).

``settings()`` returns the object for the config and environment as they are when it is
called (one marshmallow load per distinct set of values, then cached), so a test that
patches the config sees its values. A bad value raises ``SettingsError`` naming the key.
Every service declares ``ValidatedSettings()``, whose ``setup()`` loads the settings, so a
bad value stops the container at start rather than failing at first use; every timer is a
``ConfiguredTimer`` whose interval is a setting, also read at start.
``python -m shared.settings check [--config deploy/nameko.yaml]`` does the same check for
deploy scripts and the image (exit status 1 and the problems on stderr).

``ENVIRONMENT`` is ``development`` (the default: local runs and tests) or ``production``
(docker-compose.yml and deploy/k8s set it): outside development a default secret (the
broker password ``change-me`` of the example deployment files, RabbitMQ's ``guest``, or
no broker password at all, which the AMQP client turns into ``guest``) is refused at start.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate
from nameko import config
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from shared.schemas.common import Whole

log = logging.getLogger(__name__)

DEVELOPMENT, PRODUCTION = "development", "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)
DEFAULT_SECRETS = ("change-me", "guest")  # passwords of the example deployment files and RabbitMQ's default user
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """Settings that cannot be used; ``problems`` maps each key to what is wrong with it."""

    def __init__(self, problems: dict[str, list[str]], shown: dict[str, str] | None = None) -> None:
        self.problems = problems
        shown = shown or {}
        super().__init__("配置有误：" + "；".join(f"{shown.get(key, key)} {'，'.join(why)}" for key, why in sorted(problems.items())))



def child_environment(**extra: str) -> dict[str, str]:
    """The environment of a child process (LibreOffice for the 通报's PDF): this process's, with ``extra``."""
    return {**os.environ, **extra}

# --- field types: each parses what nameko's YAML or the environment gives (text, or an already
# parsed number, date or list) and says in Chinese what it expects -------------------------------

class _Text(fields.String):
    """Text; a scalar the YAML parsed as a number (a prefix of digits, an IP-less host) is taken as written."""

    default_error_messages = {"invalid": "必须是文本"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class _Seconds(fields.Float):
    default_error_messages = {"invalid": "必须是秒数", "special": "必须是有限的秒数"}

    def __init__(self, minimum: float = 0, inclusive: bool = False) -> None:
        error = "必须不小于 {min} 秒" if inclusive else "必须大于 {min} 秒"
        super().__init__(allow_nan=False, validate=validate.Range(min=minimum, min_inclusive=inclusive, error=error))

    def _validated(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class _Day(fields.Date):
    default_error_messages = {"invalid": "必须是 YYYY-MM-DD 格式的日期"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        return super()._deserialize(str(value), attr, data, **kwargs)


class _Instant(fields.Field):
    """An ISO date or date and time, kept as text (``shared.clock.parse_instant`` reads it in TIMEZONE)."""

    default_error_messages = {"invalid": "必须是 ISO 格式的日期或日期时间"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = value.isoformat() if isinstance(value, date) else str(value)
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("invalid") from None
        return text


class _Days(fields.Field):
    """Whole numbers of days, written ``7,3,1`` (or a YAML list, or one number)."""

    default_error_messages = {"invalid": "必须是以逗号分隔的正整数，如 7,3,1"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[int, ...]:
        parts = value if isinstance(value, list | tuple) else str(value).split(",")
        try:
            days = tuple(int(str(part).strip()) for part in parts if str(part).strip())
        except ValueError:
            raise self.make_error("invalid") from None
        if not days or min(days) < 1:
            raise self.make_error("invalid")
        return days


def _whole(minimum: int, maximum: int | None = None) -> fields.Field:
    error = "必须是 {min} 到 {max} 之间的整数" if maximum is not None else "必须是不小于 {min} 的整数"
    return Whole(validate=validate.Range(min=minimum, max=maximum, error=error))


def _one_of(choices: tuple[str, ...]) -> fields.Field:
    return _Text(validate=validate.OneOf(choices, error="必须是 {choices} 之一"))


def _zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError; a path-like name a ValueError
        raise ValidationError("不是已知的时区名称，如 Asia/Shanghai") from None
    return True


def _uri(*schemes: str) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        if urlsplit(value).scheme not in schemes:
            raise ValidationError("必须以 {} 开头".format(" 或 ".join(s + "://" for s in schemes)))
        return True
    return check


def _address(value: str) -> bool:
    port = value.rpartition(":")[2]
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValidationError("必须是 主机:端口，如 0.0.0.0:8000")
    return True


def _file(path: str) -> bool:
    if not os.path.isfile(path):
        raise ValidationError("不是存在的文件")
    return True


# --- the settings ---------------------------------------------------------------------------------

def _setting(default: Any, kind: str, meaning: str, field: fields.Field, secret: bool = False) -> Any:
    """One setting: ``default``, ``kind`` (its type as docs/settings.md shows it), one-line ``meaning``,
    the marshmallow ``field`` that parses and checks it; ``secret``: its value is never printed."""
    return dataclasses.field(default=default, metadata={"kind": kind, "meaning": meaning, "field": field, "secret": secret})


def _interval(default: float, meaning: str) -> Any:
    return _setting(default, "seconds > 0", meaning, _Seconds())


@dataclass(frozen=True)
class Settings:
    """Every setting; the attribute is the key in lower case (``NOTIFY_TICK_SECONDS`` -> ``notify_tick_seconds``)."""

    # deployment
    environment: str = _setting(DEVELOPMENT, "development or production",
                                "outside development, default secrets (broker password change-me or guest) are refused at start",
                                _one_of(ENVIRONMENTS))
    amqp_uri: str = _setting("pyamqp://guest:guest@localhost:5672/", "AMQP URI", "RabbitMQ",
                             _Text(validate=_uri("amqp", "amqps", "pyamqp")), secret=True)
    mongo_uri: str = _setting("mongodb://127.0.0.1:27017/", "MongoDB URI", "MongoDB, or FerretDB locally",
                              _Text(validate=_uri("mongodb", "mongodb+srv")), secret=True)
    mongo_db_prefix: str = _setting("cctrack", "name", "each service owns database `<prefix>_<service>`",
                                    _Text(validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$",
                                                                   error="只能由 1 到 40 个字母、数字、_ 或 - 组成")))
    postgres_dsn: str | None = _setting(None, "PostgreSQL URI", "FerretDB's PostgreSQL, where shared/pgindex.py makes GIN indexes "
                                        "(unset: no PostgreSQL, as on MongoDB)",
                                        _Text(validate=_uri("postgresql", "postgres")), secret=True)
    web_server_address: str = _setting("0.0.0.0:8000", "host:port", "the gateway's HTTP address (read by nameko)",
                                       _Text(validate=_address))
    max_workers: int = _setting(10, "integer >= 1", "workers per service container (nameko's max_workers in deploy/nameko.yaml)",
                                _whole(1))
    log_level: str = _setting("INFO", "one of " + ", ".join(LOG_LEVELS), "level of the root logger (deploy/nameko.yaml's LOGGING)",
                              _one_of(LOG_LEVELS))
    timezone: str = _setting("Asia/Shanghai", "time zone", "zone used to turn instants into calendar dates",
                             _Text(validate=_zone))
    clock_now: str | None = _setting(None, "ISO date or datetime", "freezes the clock, for back-filled reports and tests "
                                     "(unset: real time)", _Instant())
    # robustness (shared/rpc.py, shared/handlers.py)
    rpc_timeout_seconds: float = _setting(4.0, "seconds > 0", "the gateway's bound on one RPC, then 503", _Seconds())
    rpc_slow_timeout_seconds: float = _setting(120.0, "seconds > 0", "bound on RPCs that do a lot by design "
                                               "(imports, scans, reports)", _Seconds())
    handler_max_attempts: int = _setting(6, "integer >= 1", "attempts of an event handler before the event is parked", _whole(1))
    handler_retry_base_seconds: float = _setting(1.0, "seconds >= 0", "delay after a handler's first failure; doubles each time",
                                                 _Seconds(inclusive=True))
    handler_retry_max_seconds: float = _setting(30.0, "seconds >= 0", "longest delay between a handler's attempts",
                                                _Seconds(inclusive=True))
    # the gateway
    max_upload_bytes: int = _setting(10 * 1024 * 1024, "integer >= 1", "largest accepted request body (bytes)", _whole(1))
    session_idle_minutes: float = _setting(30.0, "minutes > 0", "a login session ends after this long without a request",
                                           fields.Float(allow_nan=False, validate=validate.Range(
                                               min=0, min_inclusive=False, error="必须大于 {min} 分钟")))
    session_cookie_secure: bool = _setting(False, "boolean", "mark the session cookie Secure (set true behind HTTPS)",
                                           fields.Boolean(error_messages={"invalid": "必须是 true 或 false"}))
    gateway_expiry_seconds: float = _interval(600.0, "interval of the sweep of old idempotency keys, login failures and idle sessions")
    # exports of large areas (services/gateway/exports.py; docs/exports.md)
    export_direct_centres: int = _setting(2000, "integer >= 1", "an area with more centres is exported as a job "
                                          "(POST /api/exports), not by GET /api/reports/progress.xlsx", _whole(1))
    export_tick_seconds: float = _interval(2.0, "interval at which a gateway replica looks for a queued export job")
    export_stale_seconds: float = _interval(300.0, "an export job whose runner gave no sign of life for this long "
                                            "is marked failed (it can be restarted)")
    # the 通报 (services/gateway/bulletins; docs/bulletin.md)
    bulletin_template: str = _setting("", "file path", "a .docx template that replaces the default (same placeholders; "
                                      "empty: the default)", _Text(validate=lambda v: v == "" or _file(v)))
    bulletin_district: str = _setting("金水区", "text", "the district, in the title", _Text())
    bulletin_issuer: str = _setting("金水区文化旅游局", "text", "the issuing bureau (发文机关标志, 署名, 印发机关)", _Text())
    bulletin_recipients: str = _setting("各街道办事处", "text", "主送机关", _Text())
    bulletin_copy_to: str = _setting("区委宣传部，区政府办公室", "text", "抄送机关 (empty: no 抄送 line)", _Text())
    bulletin_praise_top: int = _setting(3, "integer >= 1", "表扬: among the first N places by percent done ...", _whole(1))
    bulletin_praise_min_satisfaction: float = _setting(85.0, "percent 0-100", "... and, where satisfaction was measured, "
                                                       "at least this", fields.Float(validate=validate.Range(0, 100)))
    bulletin_criticise_bottom: int = _setting(3, "integer >= 1", "通报批评: among the last N places and below the district's "
                                              "percent done, or ...", _whole(1))
    bulletin_criticise_overdue: int = _setting(5, "integer >= 1", "... at least this many overdue milestones, or ...", _whole(1))
    bulletin_criticise_satisfaction: float = _setting(60.0, "percent 0-100", "... satisfaction measured below this",
                                                      fields.Float(validate=validate.Range(0, 100)))
    bulletin_min_responses: int = _setting(10, "integer >= 1", "satisfaction counts only from this many survey responses "
                                           "in the period", _whole(1))
    bulletin_list_limit: int = _setting(10, "integer >= 1", "overdue items and open rectifications listed before \"等 N 项\"",
                                        _whole(1))
    bulletin_soffice: str = _setting("soffice", "command", "LibreOffice's command", _Text())
    bulletin_pdf_timeout_seconds: float = _setting(120.0, "seconds > 0", "longest conversion to PDF", _Seconds())
    bulletin_pdf_concurrency: int = _setting(2, "integer >= 1", "conversions to PDF at once (more wait for a free one)", _whole(1))
    bulletin_schedule_seconds: float = _interval(3600.0, "interval of the check whether a scheduled 通报 is due (sent once "
                                                 "per period, from the chosen day of the month after it ends)")
    # evidence files (milestones, inspections)
    evidence_max_bytes: int = _setting(5 * 1024 * 1024, "integer >= 1", "largest evidence file (bytes)", _whole(1))
    object_store: str = _setting("directory", "directory or s3", "where evidence files are kept (shared/objects.py): a local "
                                 "directory, or an S3-compatible object store (SeaweedFS in docker-compose and k8s)",
                                 _one_of(("directory", "s3")))
    object_store_dir: str = _setting("var/objects", "directory path", "the directory of OBJECT_STORE=directory "
                                     "(shared by every service on one machine)", _Text())
    s3_endpoint_url: str = _setting("http://127.0.0.1:8333", "URL", "the S3 endpoint of OBJECT_STORE=s3",
                                    _Text(validate=_uri("http", "https")))
    s3_bucket: str = _setting("cctrack-evidence", "bucket name", "the bucket of OBJECT_STORE=s3", _Text())
    s3_region: str = _setting("us-east-1", "region name", "the region the S3 client signs for", _Text())
    s3_access_key: str = _setting("cctrack", "text", "the S3 access key", _Text(), secret=True)
    s3_secret_key: str = _setting("change-me", "text", "the S3 secret key (refused as change-me in production "
                                  "when OBJECT_STORE=s3)", _Text(), secret=True)
    object_sweep_grace_seconds: float = _setting(3600.0, "seconds >= 0", "a stored file no record names is deleted by "
                                                 "`cctrack evidence sweep` only after this long (an upload in flight "
                                                 "is not yet recorded)", _Seconds(inclusive=True))
    # photos sent as evidence (shared/photos.py; docs/evidence.md): never refused, marked 存疑
    photo_max_distance_m: float = _setting(500.0, "metres > 0", "a photo taken farther than this from its centre is 存疑",
                                           fields.Float(allow_nan=False, validate=validate.Range(min=0, min_inclusive=False,
                                                                                               error="必须大于 {min} 米")))
    photo_max_age_days: int = _setting(30, "integer >= 1", "a photo taken more than this many days before its report is 存疑",
                                       _whole(1))
    photo_duplicate_max_bits: int = _setting(8, "integer 0-32", "perceptual hashes within this many bits are the same picture",
                                             _whole(0, 32))
    # milestones
    milestones_plan: str | None = _setting(None, "file path", "the programme plan file (unset: the Jinshui 2017 plan, "
                                           "services/milestones/plans/jinshui_2017.json)", _Text(validate=_file))
    milestones_sync_seconds: float = _interval(300.0, "interval of the repair of missed registrations (a share of the offices each tick)")
    milestones_sync_offices: int = _setting(200, "integer >= 1", "offices whose centres the repair compares per tick", _whole(1))
    milestones_projection_repair_seconds: float = _interval(60.0, "interval (and first run at start) of the move forward of "
                                                            "projections a crash left behind their revisions")
    # inspections
    inspections_repair_seconds: float = _interval(60.0, "interval of the repair of inspections a crash left half-applied, "
                                                  "and the age from which one is repaired")
    rectification_phase_end: date = _setting(date(2019, 12, 31), "date", "end of the rectification phase "
                                             "(phase 5 of the Jinshui plan): no rectification is due later", _Day())
    rectification_working_days: int = _setting(20, "integer >= 1", "working days an office has to rectify an item", _whole(1))
    rectification_ack_working_days: int = _setting(2, "integer >= 1", "working days an office has to acknowledge "
                                                   "(签收) a rectification order before it is reminded as overdue", _whole(1))
    # notifications
    notify_remind_before: tuple[int, ...] = _setting((7, 3, 1), "integers >= 1, comma-separated",
                                                     "reminders this many working days before a due date", _Days())
    notify_overdue_every: int = _setting(3, "integer >= 1", "overdue notice repeated every N working days", _whole(1))
    notify_overdue_max: int = _setting(5, "integer >= 0", "at most this many overdue notices per item and due date", _whole(0))
    notify_escalate_head: int = _setting(5, "integer >= 1", "working days overdue before the office head is told", _whole(1))
    notify_escalate_bureau: int = _setting(10, "integer >= 1", "working days overdue before the district bureau is told", _whole(1))
    notify_catch_up_days: int = _setting(10, "integer >= 0", "working days after an item's last step in which a scan still "
                                         "reads it (downtime)", _whole(0))
    notify_tick_seconds: float = _interval(300.0, "interval of the notifications timer (scan for today, then a delivery round)")
    notify_source_timeout_seconds: float = _setting(60.0, "seconds > 0", "longest wait for one page of open items", _Seconds())
    notify_max_attempts: int = _setting(6, "integer >= 1", "delivery attempts before a delivery is marked failed", _whole(1))
    notify_retry_base_seconds: float = _setting(60.0, "seconds >= 0", "first delivery retry delay; doubles each attempt",
                                                _Seconds(inclusive=True))
    notify_retry_max_seconds: float = _setting(3600.0, "seconds >= 0", "longest delivery retry delay", _Seconds(inclusive=True))
    notify_claim_lease_seconds: float = _setting(300.0, "seconds > 0", "a claimed delivery attempt with no outcome after this "
                                                 "long is counted as failed", _Seconds())
    notify_delivery_batch: int = _setting(200, "integer >= 1", "deliveries attempted per round", _whole(1))
    smtp_host: str = _setting("", "host name", "mail relay (plain SMTP, as on a government intranet); empty: e-mail off", _Text())
    smtp_port: int = _setting(25, "integer 1-65535", "mail relay port", _whole(1, 65535))
    smtp_from: str = _setting("cctrack@localhost", "e-mail address", "sender address of e-mail notices",
                              _Text(validate=validate.Regexp(r"^[^@\s]+@[^@\s]+$", error="必须是电子邮件地址")))
    smtp_timeout_seconds: float = _setting(10.0, "seconds > 0", "mail relay connect / send timeout", _Seconds())
    webhook_timeout_seconds: float = _setting(10.0, "seconds > 0", "webhook POST timeout", _Seconds())
    public_url: str = _setting("http://localhost:8000", "URL", "the address people open the app at: links in e-mail and "
                               "robot messages start with it", _Text(validate=_uri("http", "https")))
    notify_digest_seconds: float = _interval(600.0, "interval of the daily digests' timer (each contact's digest of a "
                                             "past day is sent once)")
    notify_digest_hour: int = _setting(8, "integer 0-23", "hour of the day (China time) from which a contact's daily "
                                       "digest of the day before goes out, unless the contact chose another",
                                       _whole(0, 23))
    # the read model
    reporting_rank_seconds: float = _interval(24 * 3600.0, "interval (and first run at start) of the placing of offices "
                                              "in the district's ranking, for a read model from before it was kept")
    reporting_pace_seconds: float = _interval(600.0, "interval (and first run at start) of the move of centres whose "
                                              "序时进度 colour changes with the day (only those, found by day)")
    reporting_partition: str = _setting("", "province codes", "the provinces (2-digit area codes, comma-separated; `00`: offices "
                                        "placed in no province) whose offices this reporting replica writes; empty: one writer "
                                        "for everything (docs/read-model.md, Partitions)",
                                        _Text(validate=validate.Regexp(r"^\s*(\d{2}\s*(,\s*\d{2}\s*)*)?$",
                                                                       error="必须为空，或是以逗号分隔的两位省级区划代码，如 41,42")))
    reporting_pair_wait_seconds: float = _setting(30.0, "seconds > 0", "how long an import chunk's first batch stays stashed "
                                                  "for its partner before it is applied alone (docs/read-model.md)", _Seconds())
    reporting_pair_sweep_seconds: float = _interval(5.0, "interval of the read model's look for stashed import batches "
                                                    "whose partner is overdue (applied alone)")
    pace_margin_percent: float = _setting(10.0, "percent 0-100", "黄: behind 序时进度 by more than this many percentage "
                                          "points (changing it needs `cctrack reports rebuild`)",
                                          fields.Float(allow_nan=False, validate=validate.Range(0, 100, error="必须是 0 到 100 之间的数")))
    pace_due_soon_workdays: int = _setting(5, "integer >= 0", "蓝: an open milestone due within this many working days "
                                           "(changing it needs `cctrack reports rebuild`)", _whole(0))

    @property
    def development(self) -> bool:
        return self.environment == DEVELOPMENT

    @property
    def emails_enabled(self) -> bool:
        """E-mail is sent only when SMTP_HOST is set."""
        return bool(self.smtp_host.strip())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def value(self, key: str) -> Any:
        """The value of the setting named ``key`` (``NOTIFY_TICK_SECONDS``)."""
        if key not in KEYS:
            raise KeyError(key)
        return getattr(self, key.lower())

    def refused_secrets(self) -> dict[str, list[str]]:
        """Outside development: the settings that still hold a default secret."""
        if self.development:
            return {}
        problems = {}
        broker = urlsplit(self.amqp_uri)
        if broker.password is None or broker.password in DEFAULT_SECRETS + ("",):
            problems["AMQP_URI"] = ["不能使用默认密码或不设密码（ENVIRONMENT 不是 development 时）"]
        for key in ("MONGO_URI", "POSTGRES_DSN"):
            password = urlsplit(self.value(key) or "").password
            if password in DEFAULT_SECRETS:
                problems[key] = ["不能使用默认密码（ENVIRONMENT 不是 development 时）"]
        if self.object_store == "s3" and self.s3_secret_key in DEFAULT_SECRETS + ("",):
            problems["S3_SECRET_KEY"] = ["不能使用默认密钥或不设密钥（ENVIRONMENT 不是 development 时）"]
        return problems


SETTINGS = dataclasses.fields(Settings)
KEYS = tuple(f.name.upper() for f in SETTINGS)
_KEY_SET = frozenset(KEYS)
_SCHEMA = Schema.from_dict({f.name: f.metadata["field"] for f in SETTINGS}, name="SettingsSchema")()


def _given() -> tuple[tuple[str, Any], ...]:
    """(key, raw value) of each setting set in nameko's config or, failing that, the environment.
    Called on every ``settings()``, so it avoids a lookup per missing key (each raises KeyError
    inside ``Mapping.get``): the config's dict is read directly, the environment once."""
    data, environ = config.data, os.environ
    in_environ = _KEY_SET.intersection(environ)
    given = []
    for key in KEYS:
        value = data.get(key)
        if (value is None or value == "") and key in in_environ:
            value = environ[key]
        if value is not None and value != "":
            given.append((key, value))
    return tuple(given)


@lru_cache(maxsize=32)
def _load(given: tuple[tuple[str, Any], ...]) -> Settings:
    try:
        values = _SCHEMA.load({key.lower(): value for key, value in given})
    except ValidationError as exc:
        problems = {name.upper(): list(_flat(why)) for name, why in exc.messages_dict.items()}
        raise SettingsError(problems, {key: _shown(key, value) for key, value in given}) from None
    loaded = Settings(**values)
    refused = loaded.refused_secrets()
    if refused:
        raise SettingsError(refused)
    return loaded


def _shown(key: str, value: Any) -> str:
    """``KEY='value'`` for the message of a bad value; only the key for a setting that may hold a password."""
    secret = next(f.metadata["secret"] for f in SETTINGS if f.name == key.lower())
    return key if secret else f"{key}={value!r}"


def _flat(messages: Any) -> Iterator[str]:
    if isinstance(messages, dict):
        for value in messages.values():
            yield from _flat(value)
    elif isinstance(messages, list | tuple):
        for value in messages:
            yield from _flat(value)
    else:
        yield str(messages)


def settings() -> Settings:
    """The settings as nameko's config and the environment give them now; raises SettingsError."""
    given = _given()
    try:
        hash(given)
    except TypeError:  # a YAML list: not cached
        return _load.__wrapped__(given)
    return _load(given)


class ValidatedSettings(DependencyProvider):
    """Declared by every service: the settings are loaded when the container starts, so a bad value
    stops it then, naming the key; workers get the settings object."""

    def setup(self) -> None:
        try:
            settings()
        except SettingsError as exc:
            log.error("%s: %s", self.container.service_name, exc)
            raise

    def get_dependency(self, worker_ctx: Any) -> Settings:
        return settings()


class ConfiguredTimer(Timer):
    """nameko's timer with its interval (seconds) from the setting ``key``, read when the container starts:
    ``@timer("NOTIFY_TICK_SECONDS")``."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        if key not in KEYS:
            raise KeyError(f"no setting {key} in shared/settings.py")
        self.key = key
        super().__init__(interval=None, **kwargs)

    def setup(self) -> None:
        self.interval = settings().value(self.key)

    def stop(self) -> None:
        if self.gt is not None:  # not started: another extension's setup failed (a bad setting)
            super().stop()

    def kill(self) -> None:
        if self.gt is not None:
            super().kill()


timer = ConfiguredTimer.decorator


# --- docs/settings.md and the command line --------------------------------------------------------

def _default_text(field: dataclasses.Field) -> str:
    value = field.default
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def table() -> str:
    """The settings as the markdown table of docs/settings.md."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for field in SETTINGS:
        default = _default_text(field)
        shown = "(unset)" if field.default is None else f"`{default}`" if default else "(empty)"
        rows.append("| `{}` | {} | {} | {} |".format(field.name.upper(), field.metadata["kind"], shown, field.metadata["meaning"]))
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.settings", description="cctrack settings")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="load and validate the settings; exit status 1 on a bad value")
    check.add_argument("--config", help="nameko config file whose environment variables are substituted (deploy/nameko.yaml)")
    sub.add_parser("table", help="print the table of docs/settings.md")
    args = parser.parse_args(argv)
    if args.command == "table":
        sys.stdout.write(table())
        return 0
    if args.config:
        from nameko.cli.utils.config import load_config

        with open(args.config, encoding="utf-8") as fh:
            config.update(load_config(fh))
    try:
        loaded = settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"配置有效（ENVIRONMENT={loaded.environment}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
