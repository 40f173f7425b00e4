"""Blob storage: a small Protocol with local-disk and in-memory drivers (S3 comes later)."""
