"""The HTTP gateway: JSON API, auth, OpenAPI, and the bureau's dashboard page."""
