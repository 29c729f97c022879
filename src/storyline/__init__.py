"""storyline: raw scraped news → a clean, deduplicated, evidence-backed knowledge base."""

__version__ = "0.1.0"

__all__ = ["run", "open_kb", "KnowledgeBase", "__version__"]


def __getattr__(name: str):  # lazy: `import storyline` stays cheap for the CLI and workers
    if name in ("run", "open_kb", "KnowledgeBase"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
