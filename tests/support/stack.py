"""The running stack of the integration and browser tests (a pytest plugin, registered in tests/conftest.py):
every service in-process against the real RabbitMQ (a fresh vhost per test) and the real store (a fresh
database prefix per test), reached through the HTTP API and RPC like real clients."""
import pytest

from services.reporting.service import WORKERS
from tests.support.paths import JINSHUI_CSV
from tests.support.services import service_classes


class Stack:
    def __init__(self, http, rpc):
        self.http = http
        self.rpc = rpc
        self._tokens = {}

    def token(self, role, office=None, label="test"):
        key = (role, office)
        if key not in self._tokens:
            self._tokens[key] = self.rpc.gateway.create_token(role, office, label)["token"]
        return self._tokens[key]

    def headers(self, role, office=None):
        return {"Authorization": "Bearer " + self.token(role, office)}

    def get(self, url, role="admin", office=None, headers=None, **kwargs):
        return self.http.get(url, headers={**self.headers(role, office), **(headers or {})}, **kwargs)

    def post(self, url, role="admin", office=None, headers=None, **kwargs):
        return self.http.post(url, headers={**self.headers(role, office), **(headers or {})}, **kwargs)

    def put(self, url, role="admin", office=None, headers=None, **kwargs):
        return self.http.put(url, headers={**self.headers(role, office), **(headers or {})}, **kwargs)

    def upload_allocation(self, path=JINSHUI_CSV, name=None, content=None, role="admin", office=None, **form):
        if content is None:
            with open(path, "rb") as fh:
                content = fh.read()
        files = {"file": (name or path.rsplit("/", 1)[-1], content)}
        return self.post("/api/imports/allocation", role=role, office=office, files=files, data=form)

    def import_jinshui(self):
        response = self.upload_allocation()
        assert response.status_code == 200, response.text
        return response.json()


def configure():
    """The nameko settings of services run in this process, under the test's patched config: the gateway's RPC
    bound (5 s in deploy/nameko.yaml) widened so load on a shared 2-core machine never turns into 503 (fault
    tests set their own), and the workers the read model needs (services/reporting/writer.py; deployments
    give them with MAX_WORKERS)."""
    from nameko import config

    config.setdefault("RPC_TIMEOUT_SECONDS", 30)
    config.setdefault("max_workers", WORKERS)


@pytest.fixture
def stack(rabbit_config, web_config, mongo_prefix, runner_factory, web_session):
    from nameko import config
    from nameko.standalone.rpc import ClusterRpcClient

    configure()
    runner = runner_factory(*service_classes())
    runner.start()
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=60) as rpc:
        stack = Stack(web_session, rpc)
        stack.runner = runner  # for entrypoint hooks into a service's timers
        yield stack
