"""Repositories: the named containers of tags and manifests, and who may read or write them."""
