"""Test set-up shared by unit and integration tests (the helpers they share are in tests/support).

eventlet patches the standard library before any of this, in the plugin pytest loads first
(tests/support/green.py; nameko's pytest plugin no longer does it).
"""
import uuid
from urllib.parse import urljoin

import pytest

# fixtures shared across the test directories; helpers are imported from tests.support
pytest_plugins = ["tests.support.stack"]


@pytest.fixture
def web_session(web_config_port):
    """nameko's fixture imports werkzeug.urls.url_join, which Werkzeug 3 removed."""
    from requests import Session

    base = f"http://127.0.0.1:{web_config_port}/"

    class WebSession(Session):
        def request(self, method, url, *args, **kwargs):
            kwargs.setdefault("timeout", 60)
            return Session.request(self, method, urljoin(base, url.lstrip("/")), *args, **kwargs)

    with WebSession() as session:
        yield session


@pytest.fixture
def mongo_prefix():
    """A database prefix of this test's own; its databases are dropped afterwards."""
    from nameko import config
    from pymongo import MongoClient

    from shared.settings import settings

    prefix = "t" + uuid.uuid4().hex[:12]
    with config.patch({"MONGO_DB_PREFIX": prefix}):
        yield prefix
        client = MongoClient(settings().mongo_uri)
        for name in client.list_database_names():
            if name.startswith(prefix + "_"):
                client.drop_database(name)
        client.close()


@pytest.fixture(autouse=True)
def object_files(tmp_path):
    """Each test keeps its evidence files in a directory of its own (OBJECT_STORE=directory)."""
    from nameko import config

    with config.patch({"OBJECT_STORE_DIR": str(tmp_path / "objects")}):
        yield tmp_path / "objects"


@pytest.fixture
def clock():
    """Set the services' clock: ``clock.set("2017-06-01")``; real time again afterwards."""
    from nameko import config

    class Control:
        def set(self, when):
            config["CLOCK_NOW"] = str(when)

        def reset(self):
            config.pop("CLOCK_NOW", None)

    control = Control()
    yield control
    control.reset()


def pytest_unconfigure(config):
    # At interpreter exit, logging's weakref callbacks take a lock through eventlet's
    # patched threading while greenlets are being torn down, printing a screenful of
    # harmless "greenlet is being finalized" tracebacks. The run is over: drop them.
    import logging

    logging.shutdown()
    logging._removeHandlerRef = lambda ref: None
