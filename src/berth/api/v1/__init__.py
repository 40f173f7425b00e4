"""Quay's ``/api/v1`` sections; :data:`berth.api.v1.routes.ENDPOINTS` lists every operation served."""
