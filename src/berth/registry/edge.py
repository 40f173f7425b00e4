"""What every ``/v2`` handler shares: the caller's token, permission checks, URLs, error rendering."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from berth.auditlog.service import Actor
from berth.auth.registry_tokens import RegistryClaims, TokenKeys, verify_token
from berth.content.blobs import HashCache
from berth.errors import BerthError, NameUnknown, Unauthenticated
from berth.registry.errors import InvalidBearer, RepositoryNotWritable, render_oci_error
from berth.repos.models import RepoState, Visibility
from berth.repos.service import RepoHandle, find_repository_handle, split_repository_path
from berth.runtime import Runtime

NOT_AUTHORIZED = "access to the requested resource is not authorized"
_VERIFIED_CACHE_SIZE = 4096
# Which granted token actions satisfy what a route needs.
_SATISFIES = {
    "pull": frozenset({"pull", "*"}),
    "push": frozenset({"push", "*"}),
    "delete": frozenset({"delete", "push", "*"}),
}


@dataclass(frozen=True)
class Caller:
    """The bearer of a ``/v2`` request: its verified claims, or anonymous."""

    claims: RegistryClaims | None
    ip: str | None

    @property
    def account_id(self) -> int | None:
        """The account the token speaks for (None: anonymous)."""
        return self.claims.account_id if self.claims else None

    @property
    def actor(self) -> Actor:
        """The caller as the audit log records it."""
        token_id = self.claims.context.get("berth.oauth_token_id") if self.claims else None
        return Actor(
            account_id=self.account_id,
            ip=self.ip,
            oauth_token_id=token_id if isinstance(token_id, int) else None,
        )

    def granted(self, repository: str, action: str) -> bool:
        """Whether the token grants ``action`` on ``repository`` (``*`` grants everything)."""
        if self.claims is None:
            return False
        return bool(self.claims.actions("repository", repository) & _SATISFIES[action])


class RegistryEdge:
    """Shared state of the ``/v2`` edge: the runtime, the token keys and the upload hash cache."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.hashes = HashCache()
        self._keys: TokenKeys | None = None
        self._keys_lock = threading.Lock()
        self._verified: dict[str, RegistryClaims] = {}

    # --- settings-derived values ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The externally visible URL of this registry."""
        return self.runtime.settings.base_url

    @property
    def service(self) -> str:
        """The ``service`` (token audience): ``SERVER_HOSTNAME``."""
        return self.runtime.settings.server_hostname

    @property
    def anonymous_access(self) -> bool:
        """``FEATURE_ANONYMOUS_ACCESS``."""
        return self.runtime.settings.feature("ANONYMOUS_ACCESS")

    def keys(self) -> TokenKeys:
        """The token keys (loaded, or generated, on first use; blocking)."""
        if self._keys is None:
            with self._keys_lock:
                if self._keys is None:
                    with self.runtime.db.transaction(write=True) as session:
                        self._keys = TokenKeys.load(session)
        return self._keys

    # --- callers and permissions ---------------------------------------------------------------

    async def caller(self, request: Request) -> Caller:
        """Verify the request's Bearer JWT; Basic or a bad token is a 401 (Quay's wording)."""
        client = request.client
        ip = client.host if client else None
        header = request.headers.get("authorization")
        if not header:
            return Caller(None, ip)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidBearer("Invalid bearer token format")
        claims = await self._verify(token.strip())
        if claims is None:
            raise InvalidBearer("Invalid bearer token format")
        request.state.principal = None if claims.is_anonymous else claims.subject
        return Caller(claims, ip)

    async def _verify(self, token: str) -> RegistryClaims | None:
        """Verify a token, remembering recent good ones (RS256 checks cost ~0.3 ms each)."""
        now = self.runtime.clock()
        cached = self._verified.get(token)
        if cached is not None and cached.expires > now.timestamp():
            return cached
        keys = self._keys if self._keys is not None else await run_in_threadpool(self.keys)
        claims = verify_token(keys, token, audience=self.service, now=now)
        if claims is not None:
            if len(self._verified) >= _VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)))
            self._verified[token] = claims
        return claims

    def authorize(self, session: Session, caller: Caller, name: str, action: str) -> RepoHandle:
        """The repository ``name`` if the caller may ``action`` (pull/push) it.

        Permission comes before existence: without the grant the answer is 401 whether or not the
        repository exists.
        """
        scope = f"repository:{name}:{'pull' if action == 'pull' else 'push,pull'}"
        denied = Unauthenticated(NOT_AUTHORIZED, extra={"scope": scope})
        ref = split_repository_path(name)
        if ref is None:
            raise denied
        granted = caller.granted(name, action)
        if not granted and action != "pull":
            raise denied
        repo = find_repository_handle(session, ref.namespace, ref.name)
        if not granted:
            public_ok = self.anonymous_access or caller.claims is not None
            if repo is None or repo.visibility != Visibility.PUBLIC or not public_ok:
                raise denied
        if repo is None:
            raise NameUnknown("repository name not known to registry", detail={"name": name})
        if action != "pull" and repo.state != RepoState.NORMAL:
            raise RepositoryNotWritable(f"repository is in {repo.state.value} state", detail={"name": name})
        return repo

    # --- URLs and errors -----------------------------------------------------------------------

    def upload_url(self, name: str, upload_uuid: str) -> str:
        """Absolute URL of an upload session."""
        return f"{self.base_url}/v2/{name}/blobs/uploads/{upload_uuid}"

    def blob_url(self, name: str, digest: str) -> str:
        """Absolute URL of a blob."""
        return f"{self.base_url}/v2/{name}/blobs/{digest}"

    def render_error(self, exc: BerthError) -> Response:
        """The OCI error response for ``exc``."""
        return render_oci_error(exc, realm_base=self.base_url, service=self.service)

    def handler(
        self, func: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a handler so every :class:`BerthError` becomes an OCI error response."""

        async def view(request: Request) -> Response:
            try:
                return await func(request)
            except BerthError as exc:
                return self.render_error(exc)

        view.__name__ = getattr(func, "__name__", "view")
        return view
