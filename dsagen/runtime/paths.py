"""Where dsagen's trees live: templates/, schedules/ and generated/.

In a source checkout (the usual case, `pip install -e .`) they sit beside the package.
`DSAGEN_HOME` points elsewhere (a serving image that copies only generated/, or a test's
scratch tree); `DSAGEN_GENERATED` moves only the kernel cache.
"""

import os
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent


def home() -> Path:
    return Path(os.environ.get("DSAGEN_HOME", _PACKAGE_ROOT))


def templates_dir() -> Path:
    # Templates are part of the source, never relocated with DSAGEN_HOME.
    return _PACKAGE_ROOT / "templates"


def schedules_dir() -> Path:
    return home() / "schedules"


def generated_dir() -> Path:
    return Path(os.environ.get("DSAGEN_GENERATED", home() / "generated"))


def template_path(backend: str, op: str) -> Path:
    return templates_dir() / backend / f"{op}.py"
