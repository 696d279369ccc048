"""Each default is written once: the pydantic sections in config.py. Everything else that
holds a default (default.toml, the vision path, the renderer) is derived from them or
checked against them here, so they cannot drift apart."""

from __future__ import annotations

import ast
import inspect
import tomllib
from pathlib import Path

from installation.config import Config, RenderSection, VisionSection
from installation.params import flatten_table
from installation.render.renderer import Renderer
from installation.resources import configs_dir
from installation.vision.pipeline import VisionSettings, smile_settings
from installation.vision.smile import SmileSettings

PACKAGE = Path(__file__).resolve().parent.parent / "installation"


def test_default_toml_says_what_the_config_models_default_to() -> None:
    data = tomllib.loads((configs_dir() / "default.toml").read_text(encoding="utf-8"))
    data.pop("params", None)
    written = dict(flatten_table(data))
    models = dict(flatten_table(Config().model_dump(mode="json", exclude={"params"})))
    assert sorted(written) == sorted(models)  # every key documented there, none extra
    validated = Config.model_validate(data).model_dump(mode="json", exclude={"params"})
    assert dict(flatten_table(validated)) == models


def test_the_vision_path_defaults_are_the_vision_section() -> None:
    assert VisionSettings() == VisionSettings.from_config(VisionSection())
    assert SmileSettings() == smile_settings(VisionSection())


def test_the_renderer_defaults_are_the_render_section() -> None:
    defaults = RenderSection()
    parameters = inspect.signature(Renderer.__init__).parameters
    for name in ("glow_scale", "growth_rows", "growth_rate", "max_faces"):
        assert parameters[name].default == getattr(defaults, name), name


def test_config_imports_only_top_level_leaf_modules() -> None:
    """config.py sits under everything: it may not reach up into control/, render/, vision/."""
    tree = ast.parse((PACKAGE / "config.py").read_text(encoding="utf-8"))
    modules = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("installation")
    }
    assert modules and all(m.count(".") == 1 for m in modules), sorted(modules)
    for module in modules:  # and those import no deeper than the top level either
        source = PACKAGE / f"{module.split('.')[1]}.py"
        inner = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(inner):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("installation."):
                assert node.module is not None and node.module.count(".") == 1, (
                    module,
                    node.module,
                )
