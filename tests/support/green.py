"""Loaded first (``-p tests.support.green`` in pyproject's addopts), before pytest's other plugins: eventlet
must patch the standard library before anything imports ``ssl``, sockets or threads, as ``nameko run`` does
in production (a plugin that imports ``ssl`` first leaves SSL contexts that recurse once patched; boto3
makes one for every client)."""
import warnings

with warnings.catch_warnings():  # eventlet announces its own deprecation on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import eventlet

eventlet.monkey_patch()
