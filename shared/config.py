"""Settings, read from nameko's config (``deploy/nameko.yaml`` substitutes
environment variables) with documented defaults.

| key                  | default                                  | meaning |
|----------------------|------------------------------------------|---------|
| AMQP_URI             | pyamqp://guest:guest@localhost:5672/     | RabbitMQ |
| MONGO_URI            | mongodb://127.0.0.1:27017/               | MongoDB, or FerretDB locally |
| POSTGRES_DSN         | (unset: no PostgreSQL)                   | FerretDB's PostgreSQL, where ``shared.pgindex`` makes GIN indexes |
| MONGO_DB_PREFIX      | cctrack                                  | each service owns database ``<prefix>_<service>`` |
| WEB_SERVER_ADDRESS   | 0.0.0.0:8000                             | the gateway's HTTP address |
| MAX_UPLOAD_BYTES     | 10485760 (10 MiB)                        | largest accepted request body |
| CLOCK_NOW            | (unset: real time)                       | ISO datetime that freezes the clock, for back-filled reports and tests |
| TIMEZONE             | Asia/Shanghai                            | zone used to turn instants into calendar dates |
| SESSION_IDLE_MINUTES | 30                                       | a login session ends after this long without a request |
| SESSION_COOKIE_SECURE| false                                    | mark the session cookie Secure (set true behind HTTPS) |
"""
import os

from nameko import config

DEFAULTS = {
    "AMQP_URI": "pyamqp://guest:guest@localhost:5672/",
    "MONGO_URI": "mongodb://127.0.0.1:27017/",
    "MONGO_DB_PREFIX": "cctrack",
    "POSTGRES_DSN": None,
    "WEB_SERVER_ADDRESS": "0.0.0.0:8000",
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "CLOCK_NOW": None,
    "TIMEZONE": "Asia/Shanghai",
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_COOKIE_SECURE": False,
}


def setting(key):
    """The value of ``key``: nameko config first, then the environment, then the default."""
    value = config.get(key)
    if value in (None, ""):
        value = os.environ.get(key)
    if value in (None, ""):
        value = DEFAULTS.get(key)
    return value


def int_setting(key):
    return int(setting(key))
