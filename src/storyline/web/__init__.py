"""Web app and HTTP API over a storyline knowledge base (read-only): ``storyline serve --db FILE``.

``create_app(db, token=None)`` builds the FastAPI app; ``serve(db, host, port, token)`` runs it with uvicorn.
"""

from __future__ import annotations

__all__ = ["create_app", "serve"]


def create_app(*args, **kwargs):  # noqa: ANN002, ANN003 - thin lazy re-export (fastapi is imported on use)
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


def serve(*args, **kwargs):  # noqa: ANN002, ANN003
    from .serve import serve as _serve

    return _serve(*args, **kwargs)
