"""Service keys: RSA keys with which Quay components sign JWTs, managed by superusers."""
