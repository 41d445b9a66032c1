"""The deployment files: compose validates and runs every service with health checks."""
import os
import shutil
import subprocess
import tempfile

import pytest
import yaml

from tests.support.paths import ROOT
from tests.support.services import SERVICE_NAMES

PASSWORD = "s3cret-for-the-test"
OBJECT_SECRET = "object-store-secret-for-the-test"


def compose_config(*args, password=PASSWORD, object_secret=OBJECT_SECRET):
    """``docker-compose config`` with RABBITMQ_PASSWORD and S3_SECRET_KEY as given (None: unset), ignoring any .env."""
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed; `make test` installs it (deploy/scripts/infra.sh)")
    env = {k: v for k, v in os.environ.items() if k not in ("RABBITMQ_PASSWORD", "S3_SECRET_KEY")}
    if password is not None:
        env["RABBITMQ_PASSWORD"] = password
    if object_secret is not None:
        env["S3_SECRET_KEY"] = object_secret
    with tempfile.NamedTemporaryFile(suffix=".env") as empty:  # docker-compose 1.x refuses /dev/null
        return subprocess.run(["docker-compose", "-f", "docker-compose.yml", "--env-file", empty.name, "config", *args],
                              cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def compose():
    check = compose_config("-q")
    assert check.returncode == 0, check.stderr
    resolved = compose_config()
    assert resolved.returncode == 0, resolved.stderr
    return yaml.safe_load(resolved.stdout)


def test_every_service_and_the_infrastructure_is_deployed(compose):
    services = compose["services"]
    assert set(services) == set(SERVICE_NAMES) | {"rabbitmq", "mongo", "seaweedfs"}
    assert services["rabbitmq"]["image"].startswith("rabbitmq:3.13-management")
    assert services["mongo"]["image"] == "mongo:7"
    for name, spec in services.items():
        assert spec.get("restart") == "unless-stopped", name
        assert "healthcheck" in spec, name
    for name in SERVICE_NAMES:
        env = services[name]["environment"]
        module, _, cls = env["SERVICE_MODULE"].partition(":")
        assert module == f"services.{name}.service"
        assert os.path.exists(os.path.join(ROOT, *module.split(".")) + ".py"), module
        assert env["MONGO_URI"].startswith("mongodb://mongo")
        assert "@rabbitmq:5672" in env["AMQP_URI"]
    assert services["gateway"]["ports"][0]["target"] == 8000
    assert {"rabbitmq-data", "mongo-data", "seaweedfs-data"} <= set(compose["volumes"])


def test_evidence_files_go_to_seaweedfs_whose_secret_must_be_set(compose):
    services = compose["services"]
    assert services["seaweedfs"]["image"].startswith("chrislusf/seaweedfs:")  # Apache-2.0 (MinIO's server is AGPL)
    assert "-s3" in " ".join(services["seaweedfs"]["command"]) and "healthcheck" in services["seaweedfs"]
    for name in deployed_services(compose):
        env = services[name]["environment"]
        assert env["OBJECT_STORE"] == "s3" and env["S3_ENDPOINT_URL"] == "http://seaweedfs:8333", name
        assert env["S3_SECRET_KEY"] == OBJECT_SECRET, name
        assert services[name]["depends_on"]["seaweedfs"]["condition"] == "service_healthy", name
    refused = compose_config("-q", object_secret=None)
    assert refused.returncode != 0 and "set S3_SECRET_KEY" in refused.stderr, refused.stderr


def test_the_broker_password_must_be_set_and_the_services_run_in_production(compose):
    for password in (None, ""):
        refused = compose_config("-q", password=password)
        assert refused.returncode != 0 and "set RABBITMQ_PASSWORD" in refused.stderr, refused.stderr
    services = compose["services"]
    assert services["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_PASS"] == PASSWORD
    for name in deployed_services(compose):
        env = services[name]["environment"]
        assert env["ENVIRONMENT"] == "production", name
        assert f":{PASSWORD}@rabbitmq:5672" in env["AMQP_URI"], name
    with open(os.path.join(ROOT, ".env.example"), encoding="utf-8") as fh:
        assert "RABBITMQ_PASSWORD=\n" in fh.read()  # no example password to copy


def deployed_services(compose):
    return [name for name, spec in compose["services"].items() if "SERVICE_MODULE" in spec.get("environment", {})]


def test_mongo_is_replica_set_rs0_and_the_services_name_it(compose):
    mongo = compose["services"]["mongo"]
    assert mongo["command"][:3] == ["mongod", "--replSet", "rs0"]
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])
    assert len(deployed_services(compose)) >= 5
    for name in deployed_services(compose):
        assert "replicaSet=rs0" in compose["services"][name]["environment"]["MONGO_URI"], name


def test_rabbitmq_declares_quorum_queues_before_the_services_start(compose):
    services = compose["services"]
    check = " ".join(services["rabbitmq"]["healthcheck"]["test"])
    assert "update_vhost_metadata / --default-queue-type quorum" in check
    for name in deployed_services(compose):
        assert services[name]["depends_on"]["rabbitmq"]["condition"] == "service_healthy", name


# --- Kubernetes: deploy/k8s/ validated by kubeconform (built by the Makefile) against the
# Kubernetes schemas shipped by the kubernetes-validate package, offline.
K8S = os.path.join(ROOT, "deploy", "k8s")
K8S_FILES = ("namespace.yaml", "config.yaml", "mongo.yaml", "rabbitmq.yaml", "seaweedfs.yaml", "services.yaml")
# the country-scale layout, applied instead of mongo.yaml and the one reporting writer (README "Scale")
K8S_SCALE = ("scale/mongo-sharded.yaml", "scale/reporting-partitions.yaml")
KUBECONFORM = os.path.join(ROOT, "var", "bin", "kubeconform")


@pytest.fixture(scope="module")
def kubeconform(tmp_path_factory):
    if not os.access(KUBECONFORM, os.X_OK):
        pytest.fail("kubeconform is not built; `make test` builds it (make var/bin/kubeconform)")
    import importlib.util

    spec = importlib.util.spec_from_file_location("offline_schemas", os.path.join(K8S, "tools", "offline_schemas.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    schemas = tmp_path_factory.mktemp("k8s-schemas")
    module.write(str(schemas))
    location = str(schemas) + "/{{ .NormalizedKubernetesVersion }}-standalone-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json"

    def validate(*paths):
        return subprocess.run([KUBECONFORM, "-strict", "-summary", "-kubernetes-version", "1.30.0",
                               "-schema-location", location, *paths], capture_output=True, text=True, timeout=120)
    return validate


@pytest.fixture(scope="module")
def k8s_docs():
    docs = []
    for name in K8S_FILES:
        with open(os.path.join(K8S, name), encoding="utf-8") as fh:
            docs.extend(d for d in yaml.safe_load_all(fh) if d)
    return docs


def test_k8s_manifests_are_valid(kubeconform):
    result = kubeconform(*(os.path.join(K8S, name) for name in K8S_FILES + K8S_SCALE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in result.stdout
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as fh:
        makefile = fh.read()
    assert all(f"deploy/k8s/{name}" in makefile for name in K8S_FILES + K8S_SCALE)  # make k8s-check checks them all


def scale_docs():
    docs = []
    for name in K8S_SCALE:
        with open(os.path.join(K8S, name), encoding="utf-8") as fh:
            docs.extend(d for d in yaml.safe_load_all(fh) if d)
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_the_sharded_mongo_has_config_servers_shards_and_routers_and_shards_the_big_collections():
    kinds = scale_docs()
    config = kinds[("StatefulSet", "mongo-cfg")]["spec"]
    assert config["replicas"] == 3 and "--configsvr" in config["template"]["spec"]["containers"][0]["args"]
    shards = [d for (kind, name), d in kinds.items() if kind == "StatefulSet" and name.startswith("mongo-shard")]
    assert len(shards) >= 2
    for shard in shards:
        assert shard["spec"]["replicas"] == 3 and "--shardsvr" in shard["spec"]["template"]["spec"]["containers"][0]["args"]
    router = kinds[("Deployment", "mongos")]["spec"]
    assert router["replicas"] >= 2 and "cfg/mongo-cfg-0.mongo-cfg:27019" in " ".join(router["template"]["spec"]["containers"][0]["args"])
    script = kinds[("Job", "mongo-sharded-init")]["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    for ns in ("cctrack_reporting.milestones", "cctrack_reporting.applied", "cctrack_assignment.centres",
               "cctrack_milestones.milestone_revisions"):
        assert f"'{ns}'" in script, ns
    # a unique index must start with the shard key: the revisions are sharded on theirs
    assert "'cctrack_milestones.milestone_revisions': {centre_id: 1, key: 1, version: 1}" in script


def test_the_reporting_partitions_are_single_writers_owning_every_province_once():
    partitions = {name: d for (kind, name), d in scale_docs().items() if kind == "Deployment" and name.startswith("reporting-")}
    owned = []
    for name, doc in partitions.items():
        assert doc["spec"]["replicas"] == 1 and doc["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0, name
        env = {e["name"]: e["value"] for e in doc["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["SERVICE_MODULE"] == "services.reporting.service:ReportingService"
        owned += env["REPORTING_PARTITION"].split(",")
    provinces = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
                 "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    assert sorted(owned) == sorted(provinces | {"00"})  # the 31 provinces and the offices of none, each once


def test_a_broken_manifest_is_refused(kubeconform, tmp_path):
    with open(os.path.join(K8S, "mongo.yaml"), encoding="utf-8") as fh:
        text = fh.read()
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("  replicas: 3\n", "  replicas: three\n  replicaz: 3\n", 1), encoding="utf-8")
    result = kubeconform(str(broken))
    assert result.returncode == 1, result.stdout
    assert "replicas" in result.stdout and "replicaz" in result.stdout


def test_k8s_runs_three_node_stores_and_every_service_with_limits_and_probes(k8s_docs):
    kinds = {(d["kind"], d["metadata"]["name"]): d for d in k8s_docs}
    for store in ("mongo", "rabbitmq"):
        assert kinds[("StatefulSet", store)]["spec"]["replicas"] == 3
    assert "rs0" in kinds[("StatefulSet", "mongo")]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "quorum" in kinds[("Job", "rabbitmq-quorum-default")]["spec"]["template"]["spec"]["containers"][0]["command"]
    config = kinds[("ConfigMap", "cctrack-config")]["data"]
    assert "replicaSet=rs0" in config["MONGO_URI"] and "mongo-2.mongo" in config["MONGO_URI"]
    # the services refuse default secrets; the secrets themselves are created by hand, never shipped
    assert config["ENVIRONMENT"] == "production"
    assert not [d for d in k8s_docs if d["kind"] == "Secret"]
    deployed = set()
    for (kind, name), doc in kinds.items():
        if kind != "Deployment":
            continue
        container = doc["spec"]["template"]["spec"]["containers"][0]
        module = next(e["value"] for e in container["env"] if e["name"] == "SERVICE_MODULE").partition(":")[0]
        assert os.path.exists(os.path.join(ROOT, *module.split(".")) + ".py"), module
        # the read model is a single writer (services/reporting/service.py; one per partition: scale/); the others
        # scale out
        assert doc["spec"]["replicas"] == 1 if name == "reporting" else doc["spec"]["replicas"] >= 2, name
        assert container["resources"]["limits"]["memory"] and container["resources"]["limits"]["cpu"], name
        assert "readinessProbe" in container and "livenessProbe" in container, name
        deployed.add(module.split(".")[1])
    present = {d for d in os.listdir(os.path.join(ROOT, "services"))
               if os.path.exists(os.path.join(ROOT, "services", d, "service.py"))}
    assert present <= deployed, f"services without a Deployment in deploy/k8s/services.yaml: {present - deployed}"
