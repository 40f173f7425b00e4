"""Registry content: blobs, uploads, manifests and tags (history kept), with their services."""
