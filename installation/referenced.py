"""The files a config names (palette, lighting patch, cue list), read as a start reads them.

A start fails on a broken one with its message; a SIGHUP reload runs the same reads, so a
config that points at a broken file is refused while the show runs, not at the next boot.
"""

from __future__ import annotations

from installation.config import Settings
from installation.control.cues import load_cue_list, resolve_cue_path
from installation.lighting.build import check_universes
from installation.lighting.patch import load_patch, resolve_patch_path
from installation.palette import load_palette
from installation.params import Catalogue


def check_referenced_files(catalogue: Catalogue, settings: Settings) -> Settings:
    """`settings` when every file it names reads; else the ConfigError a start would give."""
    config = settings.config
    load_palette(config.show.palette)
    if config.lighting.protocol != "off":
        check_universes(
            config.lighting.protocol, load_patch(resolve_patch_path(config.lighting.patch))
        )
    if config.cues.file:
        load_cue_list(resolve_cue_path(config.cues.file), catalogue)
    return settings
