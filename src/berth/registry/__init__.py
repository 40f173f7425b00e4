"""The ``/v2`` edge: Docker/OCI distribution API with Docker token auth (``/v2/auth``)."""
