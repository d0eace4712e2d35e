"""The renderer's tests run the real graphviz: no database, nothing mocked."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(autouse=True, scope="session")
def _graphviz_installed():
    """Fail loudly (not skip) when graphviz is missing: `make test` installs it."""
    missing = [tool for tool in ("dot", "neato", "unflatten") if shutil.which(tool) is None]
    assert not missing, f"graphviz tools missing: {missing} (apt-get install graphviz fonts-dejavu-core)"
