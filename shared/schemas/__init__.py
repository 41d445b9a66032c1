"""marshmallow schemas for every RPC and event payload, grouped by the service that owns them."""
