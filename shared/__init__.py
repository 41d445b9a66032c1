"""Code shared by every cctrack service: configuration, the Mongo dependency,
typed errors, event names and the marshmallow schemas of every RPC and event.

Nothing here imports a service; services meet only over RabbitMQ.
"""
