"""Streaming a request body into a staging object without holding it in memory.

Chunks are gathered into buffers of at most ``FLUSH_BYTES`` and appended (and hashed) in a worker
thread, while the event loop keeps reading the next buffer from the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool

from berth.content.blobs import append_chunks
from berth.lib.digests import Hasher
from berth.storage.base import BlobStorage

# Small enough that the last buffer of a request (written after the body has arrived) costs little;
# large enough that thread hand-offs stay rare.
FLUSH_BYTES = 2 * 1024 * 1024


def _append_all(storage: BlobStorage, key: str, chunks: list[bytes], hashers: list[Hasher]) -> int:
    for hasher in hashers[1:]:
        for chunk in chunks:
            hasher.update(chunk)
    return append_chunks(storage, key, chunks, hashers[0] if hashers else None)


async def stream_to_staging(
    body: AsyncIterator[bytes], storage: BlobStorage, key: str, hashers: list[Hasher]
) -> int:
    """Append the whole body to ``key``, feeding every hasher; returns the bytes received."""
    received = 0
    pending: asyncio.Future[int] | None = None
    buffer: list[bytes] = []
    buffered = 0
    try:
        async for chunk in body:
            if not chunk:
                continue
            buffer.append(chunk)
            buffered += len(chunk)
            received += len(chunk)
            if buffered >= FLUSH_BYTES:
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(run_in_threadpool(_append_all, storage, key, buffer, hashers))
                buffer, buffered = [], 0
        if pending is not None:
            await pending
            pending = None
        if buffer or received == 0:
            await run_in_threadpool(_append_all, storage, key, buffer, hashers)
    finally:
        if pending is not None:
            await asyncio.gather(pending, return_exceptions=True)
    return received
