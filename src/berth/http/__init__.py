"""HTTP plumbing shared by the edges: the endpoint table, request context, body parsing, adapters."""
