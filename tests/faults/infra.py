"""The fault suite's own broker node, stores and services, all under var/faults/: never the
shared RabbitMQ (:5672) or FerretDB (:27017) that other tests use.

- RabbitMQ node ``cctrack-faults@localhost`` on :5682 (distribution :25682, no plugins, so no
  management listener), data in var/faults/rabbit;
- FerretDB (SQLite backend) on :27027 for every service, and a second one on :27028 for the
  milestones service alone, so one service's store can be stopped while the others run;
- each service under deploy/scripts/supervise.sh, gateway on 127.0.0.1:8091.
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = os.path.join(ROOT, "var", "faults")
NODE = "cctrack-faults@localhost"
AMQP_PORT, DIST_PORT = 5682, 25682
STORE_PORT, MILESTONES_STORE_PORT = 27027, 27028
WEB_PORT = 8091
AMQP_URI = f"pyamqp://guest:guest@127.0.0.1:{AMQP_PORT}/"


def services():
    """(name, class) of every service, from the list in deploy/scripts/run.sh (which others extend)."""
    import re

    with open(os.path.join(ROOT, "deploy", "scripts", "run.sh"), encoding="utf-8") as fh:
        listed = re.search(r"^SERVICES=\(([^)]*)\)", fh.read(), re.M).group(1).split()
    return [tuple(entry.split(":")) for entry in listed
            if os.path.exists(os.path.join(ROOT, "services", entry.split(":")[0], "service.py"))]


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait(check, limit, what):
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"{what} not within {limit} s")


def store_uri(port):
    return f"mongodb://127.0.0.1:{port}/"


class Broker:
    def __init__(self):
        self.base = os.path.join(VAR, "rabbit")
        self.env = {**os.environ, "RABBITMQ_NODENAME": NODE, "RABBITMQ_NODE_PORT": str(AMQP_PORT),
                    "RABBITMQ_DIST_PORT": str(DIST_PORT), "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                    "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.base, "enabled_plugins"),
                    "RABBITMQ_MNESIA_BASE": os.path.join(self.base, "mnesia"),
                    "RABBITMQ_LOG_BASE": os.path.join(self.base, "log"),
                    "RABBITMQ_PID_FILE": os.path.join(self.base, "pid")}

    def start(self):
        if port_open(AMQP_PORT):
            return 0.0
        os.makedirs(self.base, exist_ok=True)
        with open(os.path.join(self.base, "enabled_plugins"), "w") as fh:
            fh.write("[].\n")
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "rabbitmq:", self.base], check=True)
        with open(os.path.join(VAR, "rabbit-console.log"), "a") as log:
            subprocess.Popen(["rabbitmq-server"], env=self.env, stdout=log, stderr=log, start_new_session=True)
        return wait(lambda: port_open(AMQP_PORT), 90, "the fault broker")

    def ctl(self, *args):
        return subprocess.run(["rabbitmqctl", "-n", NODE, *args], env=self.env, capture_output=True, text=True,
                              timeout=60)

    def pid(self):
        try:
            with open(os.path.join(self.base, "pid")) as fh:
                return int(fh.read().strip())
        except (OSError, ValueError):
            return None

    def kill9(self):
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGKILL)
        wait(lambda: not port_open(AMQP_PORT), 30, "the broker to die")
        time.sleep(1)  # epmd forgets the node

    def stop(self):
        self.ctl("stop")
        if port_open(AMQP_PORT) and self.pid():
            self.kill9()


class Store:
    def __init__(self, port, name):
        self.port, self.name, self.proc = port, name, None
        self.data = os.path.join(VAR, name)

    def start(self):
        os.makedirs(self.data, exist_ok=True)
        log = open(os.path.join(VAR, self.name + ".log"), "a")  # noqa: SIM115 (the child process writes it)
        self.proc = subprocess.Popen([os.path.join(ROOT, "var", "bin", "cctrack-ferretdb"), "-backend", "sqlite",
                                      "-data", self.data, "-listen", f"127.0.0.1:{self.port}"],
                                     stdout=log, stderr=log, start_new_session=True)
        return wait(lambda: port_open(self.port), 60, "store " + self.name)

    def kill9(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    stop = kill9


class Services:
    """Every service under the supervisor; ``extra`` starts more replicas (name, class, label)."""

    def __init__(self, env):
        self.env = env
        self.procs = {}
        for d in ("log", "run"):
            os.makedirs(os.path.join(VAR, d), exist_ok=True)

    def start(self, name, cls, label=None, env=None):
        label = label or name
        os.makedirs(os.path.join(VAR, "log"), exist_ok=True)
        run_dir = os.path.join(VAR, "run", label)
        os.makedirs(run_dir, exist_ok=True)
        full = {**os.environ, **self.env, **(env or {}), "LOG_DIR": os.path.join(VAR, "log"), "RUN_DIR": run_dir,
                "SUPERVISOR_LOG": os.path.join(VAR, "log", "supervisor.log"),
                "NAMEKO": os.path.join(ROOT, ".venv", "bin", "nameko")}
        self.procs[label] = subprocess.Popen(
            ["bash", "-c", f"source deploy/scripts/supervise.sh; supervise {name} {cls}"],
            cwd=ROOT, env=full, start_new_session=True, stdout=subprocess.DEVNULL)

    def pid(self, label):
        with open(os.path.join(VAR, "run", label, label.split("#")[0] + ".pid")) as fh:
            return int(fh.read().strip())

    def kill9(self, label):
        os.kill(self.pid(label), signal.SIGKILL)

    def signal(self, label, sig):
        os.kill(self.pid(label), sig)

    def restarts(self):
        try:
            with open(os.path.join(VAR, "log", "supervisor.log")) as fh:
                return sum(1 for _ in fh)
        except OSError:
            return 0

    def stop(self, label=None):
        for key in [label] if label else list(self.procs):
            proc = self.procs.pop(key)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def fresh():
    """Remove what an earlier run left (not the broker's data directory while it runs)."""
    for name in ("store", "milestones-store", "log", "run") + (() if port_open(AMQP_PORT) else ("rabbit",)):
        shutil.rmtree(os.path.join(VAR, name), ignore_errors=True)
    os.makedirs(VAR, exist_ok=True)
