"""Where the shipped shaders and configs live.

In a checkout (and an editable install) they sit beside the package; a wheel carries
them inside it as `installation/_resources/`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The `shaders` or `configs` folder, checkout first, then the installed copy."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"cannot find the {name}/ folder beside the package ({_PACKAGE.parent}) "
        f"nor inside it ({_PACKAGE / '_resources'}); reinstall the package"
    )


def shaders_dir() -> Path:
    return resource_dir("shaders")


def configs_dir() -> Path:
    return resource_dir("configs")
