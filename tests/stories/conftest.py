"""The example corpus's knowledge base, built once per test session (process) for the story tests that only
read it; a test that writes copies it first."""

from pathlib import Path

import pytest

from storyline.engines.local import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


@pytest.fixture(scope="session")
def example_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("example-kb") / "kb.db"
    run([EXAMPLES], db)
    return db
