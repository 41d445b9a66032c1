"""``cctrack``: the command-line client (not a service). It talks to the
services over RabbitMQ RPC, like the gateway, acting as a district admin:
whoever can reach the broker is inside the trust boundary."""
