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


class _LocalServer:
    """A WSGI ``app`` of the subclass served on 127.0.0.1:``port`` by eventlet, until stopped."""

    port: int
    server = None

    def start(self):
        listener = eventlet.listen(("127.0.0.1", self.port))
        self.server = eventlet.spawn(wsgi.server, listener, self.app, log_output=False)
        return self

    def stop(self):
        if self.server is not None:
            self.server.kill()
            self.server = None


class WebhookReceiver(_LocalServer):
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

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path):
        return [body for p, body in self.requests if p == path]


class RobotServer(_LocalServer):
    """A local stand-in for the WeCom and DingTalk group robots, checking what the real ones check.

    WeCom: ``POST /cgi-bin/webhook/send?key=<key>``, the key must match. DingTalk: ``POST /robot/send?
    access_token=<token>&timestamp=<ms>&sign=<sign>``; the fake computes the signature itself from the secret
    (Base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>"))) and refuses a wrong one or a timestamp more than
    an hour off with errcode 310000, as DingTalk does. Accepted messages are kept in ``messages``.
    """

    def __init__(self, kind, token, secret=None):
        self.kind, self.token, self.secret = kind, token, secret
        self.port = free_port()
        self.messages = []
        self.refused = []
        self.server = None

    def _answer(self, start_response, errcode, errmsg):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"errcode": errcode, "errmsg": errmsg}).encode()]

    def app(self, environ, start_response):
        import base64
        import hashlib
        import hmac
        import time
        from urllib.parse import parse_qs

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"null")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if self.kind == "wecom":
            if environ["PATH_INFO"] != "/cgi-bin/webhook/send" or query.get("key") != self.token:
                self.refused.append(body)
                return self._answer(start_response, 93000, "invalid webhook url")
        else:
            if environ["PATH_INFO"] != "/robot/send" or query.get("access_token") != self.token:
                self.refused.append(body)
                return self._answer(start_response, 300001, "token is not exist")
            if self.secret is not None:
                stamp = query.get("timestamp", "")
                digest = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256).digest()
                expected = base64.b64encode(digest).decode()
                fresh = stamp.isdigit() and abs(int(stamp) - time.time() * 1000) < 3600 * 1000
                if not fresh or query.get("sign") != expected:
                    self.refused.append(body)
                    return self._answer(start_response, 310000, "sign not match")
        content = self._content(body)
        if not content:
            self.refused.append(body)
            return self._answer(start_response, 40008, "invalid message type")
        self.messages.append(content)
        return self._answer(start_response, 0, "ok")

    def _content(self, body):
        """A text message's content, or a markdown message's (WeCom: ``content``; DingTalk: ``title`` and
        ``text``, both required), as the robots take them; None for anything else."""
        if not isinstance(body, dict):
            return None
        if body.get("msgtype") == "text":
            return (body.get("text") or {}).get("content")
        markdown = body.get("markdown") or {}
        if body.get("msgtype") != "markdown":
            return None
        if self.kind == "wecom":
            return markdown.get("content")
        return markdown.get("text") if markdown.get("title") else None

    @property
    def url(self):
        if self.kind == "wecom":
            return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key={self.token}"
        return f"http://127.0.0.1:{self.port}/robot/send?access_token={self.token}"
