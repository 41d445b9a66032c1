"""Loopback-only receivers for the notifications tests: a real SMTP server
(aiosmtpd in a child process writing a Maildir) and an HTTP webhook receiver."""
import email
import email.policy
import json
import mailbox
import os
import socket
import subprocess
import sys

import eventlet
from eventlet import wsgi

from tests.support.waiting import wait_for


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """``python -m aiosmtpd`` with the Mailbox handler, on 127.0.0.1:port; stop() and start() again."""

    def __init__(self, directory, port=None):
        self.directory = str(directory)
        self.port = port or free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Mailbox", "-l",
             f"127.0.0.1:{self.port}", self.directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._accepting, what="the SMTP server to listen")
        return self

    def _accepting(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def messages(self):
        if not os.path.isdir(os.path.join(self.directory, "new")):
            return []
        box = mailbox.Maildir(self.directory, factory=None, create=False)
        out = []
        for key in box.iterkeys():  # a Mailbox iterates over its messages, not its keys
            with box.get_file(key) as fh:
                out.append(email.message_from_binary_file(fh, policy=email.policy.default))
        return out

    def delivery_ids(self):
        return sorted(m["X-Cctrack-Delivery"] for m in self.messages())


class WebhookReceiver:
    """Records every POST as (path, JSON body); answers like a DingTalk/WeCom robot."""

    def __init__(self):
        self.port = free_port()
        self.requests = []
        self.fail = False
        self.server = None

    def app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"null")
        if self.fail:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"errcode": 1}']
        self.requests.append((environ["PATH_INFO"], body))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"errcode": 0, "errmsg": "ok"}']

    def start(self):
        listener = eventlet.listen(("127.0.0.1", self.port))
        self.server = eventlet.spawn(wsgi.server, listener, self.app, log_output=False)
        return self

    def stop(self):
        if self.server is not None:
            self.server.kill()
            self.server = None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path):
        return [body for p, body in self.requests if p == path]
