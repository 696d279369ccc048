"""Where the shipped shaders and configs live.

In a checkout (and an editable install) they sit beside the package; a wheel carries
them inside it as `installation/_resources/`.
"""

from __future__ import annotations

from pathlib import Path

from installation.errors import ConfigError

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


def find_config_file(name: str, folder: Path) -> Path | None:
    """`name` as a path if it is a file, else a shipped file in `folder` by bare name
    (`gallery` or `gallery.toml`); None when neither exists."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = folder / (name if name.endswith(".toml") else f"{name}.toml")
    if path.parent == Path(".") and shipped.is_file():
        return shipped
    return None


def shipped_names(folder: Path, leave_out: tuple[str, ...] = ()) -> str:
    """The shipped files of a folder by name, for error messages ("none" if empty)."""
    names = sorted(p.stem for p in folder.glob("*.toml") if p.stem not in leave_out)
    return ", ".join(names) or "none"


def find_shipped(name: str, folder: str, what: str, where: str) -> Path:
    """`name` as a path, or a shipped file of `configs/<folder>/` by name; else a ConfigError
    that starts with `where` (a key or the name) and lists the shipped ones by `what`."""
    path = find_config_file(name, configs_dir() / folder)
    if path is None:
        names = shipped_names(configs_dir() / folder)
        raise ConfigError(f"{where}: {what} not found (shipped {what}s: {names})")
    return path
