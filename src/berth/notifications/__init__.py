"""Repository notifications (Quay's ``repositorynotification`` section): events, methods, delivery."""
