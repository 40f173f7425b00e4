"""Path converters: Quay's ``{repository}`` is ``namespace/name`` with more ``/`` allowed."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class RepositoryPathConvertor(Convertor[str]):
    """Matches ``namespace/name[/more]`` lazily, so the route's literal suffix still matches."""

    regex = r"[^/]+/[^/]+?(?:/[^/]+?)*?"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def register_converters() -> None:
    """Make ``{repository:repopath}`` available to route paths (idempotent)."""
    register_url_convertor("repopath", RepositoryPathConvertor())
