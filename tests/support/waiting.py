"""Waiting for what events do asynchronously."""
import eventlet


def wait_for(check, what="condition", timeout=120, interval=0.1):
    """Poll ``check()`` until it is truthy and return its value: events are
    asynchronous. The limit only turns a hang into a failure; passing never
    depends on timing."""
    with eventlet.Timeout(timeout, AssertionError("timed out waiting for " + what)):
        while True:
            value = check()
            if value:
                return value
            eventlet.sleep(interval)
