"""The deployment files: compose validates and runs every service with health checks."""
import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT, SERVICE_NAMES


@pytest.fixture(scope="module")
def compose():
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed; `make test` installs it (deploy/scripts/infra.sh)")
    check = subprocess.run(["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    resolved = subprocess.run(["docker-compose", "-f", "docker-compose.yml", "config"], cwd=ROOT,
                              capture_output=True, text=True, check=True)
    return yaml.safe_load(resolved.stdout)


def test_every_service_and_the_infrastructure_is_deployed(compose):
    services = compose["services"]
    assert set(services) == set(SERVICE_NAMES) | {"rabbitmq", "mongo"}
    assert services["rabbitmq"]["image"].startswith("rabbitmq:3.13-management")
    assert services["mongo"]["image"] == "mongo:7"
    for name, spec in services.items():
        assert spec.get("restart") == "unless-stopped", name
        assert "healthcheck" in spec, name
    for name in SERVICE_NAMES:
        env = services[name]["environment"]
        module, _, cls = env["SERVICE_MODULE"].partition(":")
        assert module == "services.{}.service".format(name)
        assert os.path.exists(os.path.join(ROOT, *module.split(".")) + ".py"), module
        assert env["MONGO_URI"].startswith("mongodb://mongo")
        assert "@rabbitmq:5672" in env["AMQP_URI"]
    assert services["gateway"]["ports"][0]["target"] == 8000
    assert {"rabbitmq-data", "mongo-data"} <= set(compose["volumes"])
