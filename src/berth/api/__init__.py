"""The ``/api/v1`` edge: Quay's REST API, one module per API section, and its error renderer."""
