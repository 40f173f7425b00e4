"""OAuth 2: applications and the access tokens issued to users through them (or directly)."""
