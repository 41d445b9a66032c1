"""``health`` RPC shared by every service: proves the broker reached the service
and the service reaches its store. The gateway's ``/healthz`` calls it."""
from shared.rpc import rpc


class HealthRpc:
    @rpc
    def health(self):
        self.store.db.command("ping")
        return {"service": self.name, "status": "ok"}
