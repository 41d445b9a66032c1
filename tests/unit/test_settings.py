"""The one settings object (shared/settings.py): types, defaults, validation at start, secrets, the docs."""
import os
import re
from datetime import date

import pytest
from nameko import config
from nameko.timer import Timer

from shared import settings as module
from shared.settings import KEYS, ConfiguredTimer, Settings, SettingsError, ValidatedSettings, settings
from tests.support.paths import ROOT
from tests.support.services import service_classes


@pytest.fixture
def bare(monkeypatch):
    """No setting in nameko's config or the environment: every value is its default."""
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    with config.patch({}, clear=True):
        yield


def test_defaults_and_types(bare):
    current = settings()
    assert current == Settings()
    assert current.environment == "development" and current.development
    assert current.notify_tick_seconds == 300.0 and isinstance(current.notify_tick_seconds, float)
    assert current.notify_max_attempts == 6 and isinstance(current.notify_max_attempts, int)
    assert current.notify_remind_before == (7, 3, 1)
    assert current.rectification_phase_end == date(2019, 12, 31)
    assert current.session_cookie_secure is False
    assert current.postgres_dsn is None and current.clock_now is None
    assert current.max_upload_bytes == 10 * 1024 * 1024 and current.evidence_max_bytes == 5 * 1024 * 1024
    assert not current.emails_enabled
    assert current.zone.key == "Asia/Shanghai"
    assert current.value("MILESTONES_SYNC_OFFICES") == 200


def test_text_values_are_parsed_and_config_wins_over_the_environment(bare, monkeypatch):
    monkeypatch.setenv("NOTIFY_TICK_SECONDS", "60")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("NOTIFY_REMIND_BEFORE", "5, 1")
    assert settings().notify_tick_seconds == 60.0
    assert settings().session_cookie_secure is True and settings().emails_enabled
    assert settings().notify_remind_before == (5, 1)
    with config.patch({"NOTIFY_TICK_SECONDS": 5, "RECTIFICATION_PHASE_END": "2019-07-16", "SMTP_HOST": ""}):
        assert settings().notify_tick_seconds == 5.0
        assert settings().rectification_phase_end == date(2019, 7, 16)
        assert settings().smtp_host == "mail.example.org"  # empty in the config: unset, so the environment's
    assert settings().notify_tick_seconds == 60.0 and settings().rectification_phase_end == date(2019, 12, 31)


def test_a_yaml_number_for_text_and_a_yaml_list_are_taken(bare):
    with config.patch({"MONGO_DB_PREFIX": 2024, "NOTIFY_REMIND_BEFORE": [3, 1], "CLOCK_NOW": date(2017, 6, 1)}):
        current = settings()
    assert current.mongo_db_prefix == "2024" and current.notify_remind_before == (3, 1)
    assert current.clock_now == "2017-06-01"


@pytest.mark.parametrize("key,value", [
    ("NOTIFY_TICK_SECONDS", "abc"), ("NOTIFY_TICK_SECONDS", "-5"), ("MILESTONES_SYNC_SECONDS", 0),
    ("ENVIRONMENT", "staging"), ("SMTP_PORT", "70000"), ("NOTIFY_MAX_ATTEMPTS", "2.5"), ("TIMEZONE", "Mars/Olympus"),
    ("SESSION_COOKIE_SECURE", "maybe"), ("RECTIFICATION_PHASE_END", "2019-13-01"), ("MONGO_DB_PREFIX", "a b"),
    ("NOTIFY_REMIND_BEFORE", "7,x"), ("NOTIFY_REMIND_BEFORE", "7,0"), ("CLOCK_NOW", "yesterday"),
    ("AMQP_URI", "http://broker/"), ("MILESTONES_PLAN", "/no/such/plan.json"), ("LOG_LEVEL", "verbose"),
    ("RPC_TIMEOUT_SECONDS", "nan"), ("SMTP_FROM", "nobody"),
])
def test_a_bad_value_is_refused_naming_the_key(bare, key, value):
    with config.patch({key: value}), pytest.raises(SettingsError) as exc:
        settings()
    assert list(exc.value.problems) == [key]
    message = str(exc.value)
    assert message.startswith("配置有误：" + key) and re.search(r"[\u4e00-\u9fff]", message.split(key, 1)[1]), message


def test_every_bad_value_is_named_at_once_and_a_password_is_never_shown(bare):
    with config.patch({"NOTIFY_TICK_SECONDS": "abc", "SMTP_PORT": "0", "MONGO_URI": "redis://:hunter2@db/"}), \
            pytest.raises(SettingsError) as exc:
        settings()
    assert sorted(exc.value.problems) == ["MONGO_URI", "NOTIFY_TICK_SECONDS", "SMTP_PORT"]
    assert "NOTIFY_TICK_SECONDS='abc'" in str(exc.value) and "hunter2" not in str(exc.value)


def test_default_secrets_are_refused_outside_development(bare, monkeypatch):
    broker = "amqp://cctrack:change-me@rabbitmq:5672/"
    with config.patch({"AMQP_URI": broker}):
        assert settings().amqp_uri == broker  # development: accepted
    monkeypatch.setenv("ENVIRONMENT", "production")
    for uri in (broker, "pyamqp://guest:guest@localhost:5672/", "amqp://rabbitmq:5672/", "amqp://cctrack:@rabbitmq/"):
        with config.patch({"AMQP_URI": uri}), pytest.raises(SettingsError) as exc:
            settings()
        assert list(exc.value.problems) == ["AMQP_URI"] and "change-me" not in str(exc.value)
    with pytest.raises(SettingsError):  # the default AMQP_URI has RabbitMQ's guest password
        settings()
    with config.patch({"AMQP_URI": "amqp://cctrack:Kq81rVt@rabbitmq:5672/", "MONGO_URI": "mongodb://app:change-me@mongo/"}), \
            pytest.raises(SettingsError) as exc:
        settings()
    assert list(exc.value.problems) == ["MONGO_URI"]
    with config.patch({"AMQP_URI": "amqp://cctrack:Kq81rVt@rabbitmq:5672/"}):
        assert settings().environment == "production" and not settings().development


def test_every_service_validates_its_settings_and_every_timer_is_configured():
    classes = service_classes()
    assert len(classes) == 7
    timers = 0
    for cls in classes:
        assert [name for name, value in vars(cls).items() if isinstance(value, ValidatedSettings)] == ["settings"], cls
        for name in dir(cls):
            for entrypoint in getattr(getattr(cls, name), "nameko_entrypoints", ()):
                if isinstance(entrypoint, Timer):
                    assert type(entrypoint) is ConfiguredTimer and entrypoint.key in KEYS, f"{cls.__name__}.{name}"
                    timers += 1
    assert timers == 11  # with the colour timer, the daily digests, the scheduled 通报, the import pairing sweep and the export jobs


def test_a_timer_must_name_a_setting():
    with pytest.raises(KeyError):
        ConfiguredTimer("NO_SUCH_SECONDS")


class Configured:
    """A service as the real ones declare their settings (without the broker a real one's setup needs)."""

    name = "configured"
    settings = ValidatedSettings()


def test_a_service_with_a_bad_value_does_not_start(container_factory, bare):
    with config.patch({"HANDLER_MAX_ATTEMPTS": "many"}):
        container = container_factory(Configured)
        with pytest.raises(SettingsError) as exc:
            container.start()
    assert "HANDLER_MAX_ATTEMPTS='many'" in str(exc.value)


def test_the_timer_interval_is_read_at_start(container_factory, bare):
    from nameko.testing.services import entrypoint_hook

    class Ticking:
        name = "ticking"
        settings = ValidatedSettings()

        @module.timer("NOTIFY_TICK_SECONDS")
        def tick(self):
            return self.settings.notify_tick_seconds

    with config.patch({"NOTIFY_TICK_SECONDS": 2.5}):
        container = container_factory(Ticking)
        container.start()
        with entrypoint_hook(container, "tick") as tick:
            assert tick() == 2.5
    assert next(iter(container.entrypoints)).interval == 2.5


def test_check_command(bare, capsys, monkeypatch):
    assert module.main(["check", "--config", os.path.join(ROOT, "deploy", "nameko.yaml")]) == 0
    assert "ENVIRONMENT=development" in capsys.readouterr().out
    monkeypatch.setenv("NOTIFY_TICK_SECONDS", "abc")
    with config.patch({}, clear=True):
        assert module.main(["check", "--config", os.path.join(ROOT, "deploy", "nameko.yaml")]) == 1
    assert "NOTIFY_TICK_SECONDS='abc'" in capsys.readouterr().err


def test_docs_list_every_setting_as_declared():
    with open(os.path.join(ROOT, "docs", "settings.md"), encoding="utf-8") as fh:
        text = fh.read()
    assert module.table() in text, "docs/settings.md is out of date: paste the output of `python -m shared.settings table`"
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \|", text, flags=re.MULTILINE)
    assert rows == list(KEYS)


def test_only_the_settings_module_reads_the_config_or_the_environment():
    readers = []
    for top in ("services", "shared"):
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [d for d in dirs if d not in ("web", "__pycache__")]
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    with open(path, encoding="utf-8") as fh:
                        source = fh.read()
                    if re.search(r"os\.environ|os\.getenv|from nameko import config|nameko\.config", source):
                        readers.append(os.path.relpath(path, ROOT))
    assert readers == [os.path.join("shared", "settings.py")]
