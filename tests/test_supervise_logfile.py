"""The log file: rotation keeps every file under the cap; bad settings are clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from installation.config import LogSection, load_settings
from installation.errors import ConfigError
from installation.params import Catalogue
from installation.supervise.logfile import add_log_file, rotating_handler


def _write_many(handler: logging.Handler, count: int) -> None:
    logger = logging.getLogger("test.logfile")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        for i in range(count):
            logger.info("record %06d: the camera came back, %s", i, "x" * (i % 90))
    finally:
        logger.removeHandler(handler)
        handler.close()


@pytest.mark.parametrize("backups", [0, 1, 3])
def test_rotation_holds_the_size_cap(tmp_path: Path, backups: int) -> None:
    path = tmp_path / "logs" / "nova.log"  # the folder is made on the way
    max_mb = 0.02  # 20 kB, so a few thousand records rotate many times
    _write_many(rotating_handler(path, max_mb, backups), 5000)
    files = sorted(tmp_path.joinpath("logs").iterdir())
    total = sum(f.stat().st_size for f in files)
    written = 5000 * 60  # at least this much was logged: far more than the cap
    assert total <= (backups + 1) * max_mb * 1_000_000 < written
    assert len(files) == backups + 1
    assert all(f.stat().st_size <= max_mb * 1_000_000 for f in files)
    assert "record 004999" in path.read_text()  # the newest is in the file itself


def test_log_file_from_config_gets_the_root_loggers_records(tmp_path: Path) -> None:
    path = tmp_path / "show.log"
    handler = add_log_file(LogSection(file=str(path), max_mb=1.0, backups=2))
    assert handler is not None
    try:
        logging.getLogger("installation.test").warning("projector lamp hours high")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    line = path.read_text().strip()
    assert line.endswith("WARNING installation.test: projector lamp hours high")
    assert add_log_file(LogSection()) is None  # "" logs to stderr only


def test_a_log_file_that_cannot_be_opened_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING):
        assert add_log_file(LogSection(file=str(blocker / "show.log"))) is None
    assert "log.file" in caplog.text and "stderr only" in caplog.text


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("log.max_mb=0", "log.max_mb: must be at least 0.01"),
        ("log.backups=-1", "log.backups: must be at least 0"),
        ('log.backups="3"', "log.backups: must be a whole number"),
        ("log.file=3", "log.file: must be text"),
        ("log.size=3", "log.size: unknown key in [log] 'size'"),
        ("supervise.storm_failures=2.5", "supervise.storm_failures: must be a whole number"),
        ("supervise.safe_idle_s=0", "supervise.safe_idle_s: must be at least 1"),
    ],
)
def test_bad_log_and_supervise_settings_are_config_errors(
    catalogue: Catalogue, override: str, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(catalogue, overrides=[override])
    assert f"--set: {message}" in str(error.value)
