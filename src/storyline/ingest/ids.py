"""Stable document ids: independent of absolute paths, machines and runs."""

from __future__ import annotations

import hashlib


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id(file_name: str, locator: str, data: bytes) -> str:
    """First 16 hex chars of SHA-256 over (file base name, record locator, content hash).

    ``locator`` is ``""`` for a single-document file and the record index inside a container.
    The same bytes under the same base name get the same id wherever the file lives.
    """
    digest = hashlib.sha256()
    for part in (file_name.encode("utf-8", "surrogateescape"), locator.encode("utf-8"), content_hash(data).encode()):
        digest.update(part)
        digest.update(b"\x00")
    return digest.hexdigest()[:16]
