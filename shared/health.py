"""``health`` RPC shared by every service: proves the broker reached the service
and the service reaches its store. The gateway's ``/healthz`` calls it."""
from typing import Any

from shared.rpc import rpc


class HealthRpc:
    name: str  # the service's nameko name
    store: Any  # its store adapter (shared.mongo.Mongo)

    @rpc
    def health(self) -> dict[str, str]:
        self.store.db.command("ping")
        return {"service": self.name, "status": "ok"}
