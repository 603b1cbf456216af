"""Where dsagen's trees live: templates/, schedules/ and generated/.

In a source checkout (`pip install -e .`) they sit beside the package; a built wheel carries
them inside it (dsagen/_tree/, mapped by pyproject.toml), so an installed dsagen finds its
templates and kernels outside any source tree. `DSAGEN_HOME` points elsewhere (a serving image
that copies only generated/, or a test's scratch tree); `DSAGEN_GENERATED` moves only the
kernel cache.
"""

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
# A wheel's copy of the trees, else the source checkout's.
_TREE_ROOT = _PACKAGE / "_tree" if (_PACKAGE / "_tree" / "templates").is_dir() else _PACKAGE.parent


def tree_root() -> Path:
    """The folder holding the shipped templates/, schedules/ and generated/."""
    return _TREE_ROOT


def home() -> Path:
    return Path(os.environ.get("DSAGEN_HOME", _TREE_ROOT))


def templates_dir() -> Path:
    # Templates are part of the source, never relocated with DSAGEN_HOME.
    return _TREE_ROOT / "templates"


def schedules_dir() -> Path:
    return home() / "schedules"


def generated_dir() -> Path:
    return Path(os.environ.get("DSAGEN_GENERATED", home() / "generated"))


def template_path(backend: str, op: str) -> Path:
    """templates/<op>/<backend>.py"""
    return templates_dir() / op / f"{backend}.py"


def space_path(op: str, backend: str) -> Path:
    """schedules/<op>/<backend>.toml: the operator's search space for one backend, every arch."""
    return schedules_dir() / op / f"{backend}.toml"
