"""Configuration: TOML layers (default, --config FILE, --set) validated at start-up.

Every key is checked; a mistake is a ConfigError naming the file (or `--set`), the dotted
key and what is allowed. Live parameters under [params] are checked against the catalogue.
"""

from __future__ import annotations

import difflib
import ipaddress
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from installation.corners import Corners, check_corners
from installation.errors import ConfigError
from installation.networks import DEFAULT_ALLOW, parse_network
from installation.params import (
    Catalogue,
    ParamValue,
    ParamValueError,
    flatten_table,
    unknown_name_message,
)
from installation.resources import configs_dir, find_config_file, shipped_names
from installation.sourcespec import SourceSpec
from installation.timetable import (
    WEEKDAYS,
    Timetable,
    build_timetable,
    parse_date,
    parse_spans,
    venue_zone,
)
from installation.tomlfile import read_toml


class _Section(BaseModel):
    # strict: TOML is typed, so "5" for a number is a mistake worth reporting, not coercing.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class SourceSection(_Section):
    input: str = "auto"
    required: bool = False
    loop: bool = True

    @field_validator("input")
    @classmethod
    def _known_source(cls, value: str) -> str:
        SourceSpec.parse(value)
        return value

    @property
    def spec(self) -> SourceSpec:
        return SourceSpec.parse(self.input)


class WindowSection(_Section):
    size: str = "1280x720"
    fullscreen: bool = False
    screen: int = Field(0, ge=0)
    vsync: bool = True
    headless: bool | Literal["auto"] = "auto"

    @field_validator("headless", mode="before")
    @classmethod
    def _headless_choice(cls, value: Any) -> Any:
        if isinstance(value, bool) or value == "auto":
            return value
        raise ValueError(f'must be true, false or "auto" (got {value!r})')

    @field_validator("size", mode="before")
    @classmethod
    def _wxh(cls, value: Any) -> Any:
        parse_size(value if isinstance(value, str) else repr(value))
        return value

    @property
    def size_px(self) -> tuple[int, int]:
        return parse_size(self.size)


class RenderSection(_Section):
    fps: float = Field(60.0, ge=1.0, le=240.0)
    glow_scale: float = Field(0.4, ge=0.125, le=1.0)
    growth_rows: int = Field(144, ge=32, le=1080)
    growth_rate: float = Field(60.0, ge=10.0, le=240.0)
    max_faces: int = Field(64, ge=1, le=256)
    hot_reload: bool = True


class OutputSection(_Section):
    """The projector: where the picture's corners land (keystone), in output fractions."""

    top_left: tuple[float, float] = (0.0, 0.0)
    top_right: tuple[float, float] = (1.0, 0.0)
    bottom_right: tuple[float, float] = (1.0, 1.0)
    bottom_left: tuple[float, float] = (0.0, 1.0)

    @field_validator("top_left", "top_right", "bottom_right", "bottom_left", mode="before")
    @classmethod
    def _corner(cls, value: Any) -> Any:
        if (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and all(-1.0 <= v <= 2.0 for v in value)
        ):
            return (float(value[0]), float(value[1]))
        raise ValueError(f"must be [x, y] with numbers from -1 to 2 (got {value!r})")

    @model_validator(mode="after")
    def _convex(self) -> OutputSection:
        check_corners(self.corners)
        return self

    @property
    def corners(self) -> Corners:
        return (self.top_left, self.top_right, self.bottom_right, self.bottom_left)


class SimSection(_Section):
    seed: int = Field(1, ge=0)
    max_people: int = Field(6, ge=1, le=64)
    initial_people: int = Field(3, ge=0, le=64)
    arrival_rate: float = Field(0.3, ge=0.0, le=10.0)
    mean_stay: float = Field(25.0, ge=1.0, le=3600.0)
    rate_hz: float = Field(30.0, ge=1.0, le=120.0)


class ShowSection(_Section):
    palette: str = "bioluminescent"
    duration: float = Field(0.0, ge=0.0)


class StatusSection(_Section):
    interval: float = Field(1.0, ge=0.1, le=3600.0)


class OscSection(_Section):
    listen: str = "127.0.0.1:9000"
    # Networks (or single addresses) allowed to send; everything else is dropped unparsed.
    allow: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOW))
    max_datagram: int = Field(8192, ge=64, le=65507)
    feedback: list[str] = Field(default_factory=list)
    feedback_rate: float = Field(30.0, ge=1.0, le=240.0)
    status_interval: float = Field(1.0, ge=0.1, le=60.0)
    query: str = "127.0.0.1:9002"
    advertise: bool = True
    name: str = Field("Nova Sanctuary", min_length=1, max_length=63)
    # A taken listen port stops the start (exit 1) unless OSC is optional for this show.
    optional: bool = False

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        parse_host_port(value)
        return value

    @field_validator("allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            parse_network(network)
        return value

    @field_validator("feedback")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        return _host_ports(value, "feedback target")

    @field_validator("query")
    @classmethod
    def _query(cls, value: str) -> str:
        if value:  # "" turns OSCQuery off
            parse_host_port(value)
        return value


class CuesSection(_Section):
    # A cue list from configs/cues/ by name, or a path; "" for none.
    file: str = "demo"
    go_guard: float = Field(0.25, ge=0.0, le=5.0)


# How smiles are read (installation/vision/reading.py): the one list of the readings.
SmileModelName = Literal["smilenet", "ensemble", "cnn", "haar"]
# OpenCV's shipped frontal face cascades (installation/vision/detect.py).
FaceCascade = Literal["frontalface_default", "frontalface_alt", "frontalface_alt2"]
# How faces are found (installation/vision/dnn_detect.py): MediaPipe's BlazeFace, short
# range ("blazeface") or full range ("blazeface_full"), fetched at set-up; or the Haar
# cascade `face_cascade` ("haar", also the fallback when a BlazeFace file is missing).
FaceDetectorName = Literal["blazeface", "blazeface_full", "haar"]


class VisionSection(_Section):
    """The camera path (see installation/vision/): detector, smile reading, steadiness."""

    face_detector: FaceDetectorName = "blazeface"
    face_cascade: FaceCascade = "frontalface_default"
    detect_width: int = Field(320, ge=64, le=1920)
    smile_model: SmileModelName = "smilenet"
    model: str = ""
    smile_threshold: float = Field(0.5, ge=0.05, le=0.95)
    smile_hysteresis: float = Field(0.1, ge=0.0, le=0.4)
    smile_smoothing: float = Field(0.12, ge=0.0, le=5.0)
    face_timeout: float = Field(0.4, ge=0.05, le=10.0)
    max_faces: int = Field(20, ge=1, le=64)
    faces_per_frame: int = Field(2, ge=1, le=64)

    @model_validator(mode="after")
    def _bands_inside(self) -> VisionSection:
        low = self.smile_threshold - self.smile_hysteresis
        high = self.smile_threshold + self.smile_hysteresis
        if low <= 0.0 or high >= 1.0:
            raise ValueError(
                f"smile_threshold {self.smile_threshold:g} +/- smile_hysteresis "
                f"{self.smile_hysteresis:g} must stay inside 0..1 (got {low:g}..{high:g})"
            )
        return self


class LightingSection(_Section):
    """The lighting rig (see installation/lighting/): DMX over sACN or Art-Net, OSC to desks."""

    protocol: Literal["off", "sacn", "artnet"] = "off"
    # A host, or "multicast" (sACN) / "broadcast" (Art-Net).
    target: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535)  # 0: the protocol's own (5568 / 6454)
    patch: str = "demo"
    delay_ms: float = Field(0.0, ge=0.0, le=2000.0)
    rate: float = Field(44.0, ge=1.0, le=44.0)
    on_exit: Literal["terminate", "blackout", "hold"] = "terminate"
    priority: int = Field(100, ge=0, le=200)
    osc: list[str] = Field(default_factory=list)
    osc_rate: float = Field(30.0, ge=1.0, le=240.0)
    osc_delay_ms: float = Field(0.0, ge=0.0, le=2000.0)
    # The sACN CID; "" derives one from this machine and osc.name, the same every start.
    cid: str = ""
    # This machine's IPv4 address on the lighting network; "" lets the system choose.
    interface: str = ""

    @field_validator("osc")
    @classmethod
    def _desks(cls, value: list[str]) -> list[str]:
        return _host_ports(value, "desk target")

    @field_validator("interface")
    @classmethod
    def _ipv4(cls, value: str) -> str:
        if value:
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                raise ValueError(
                    f"must be this machine's IPv4 address on the lighting network, such as "
                    f'"10.0.0.5", or "" for the system\'s choice (got {value!r})'
                ) from None
        return value

    @field_validator("cid")
    @classmethod
    def _uuid(cls, value: str) -> str:
        if value:
            try:
                uuid.UUID(value)
            except ValueError:
                raise ValueError(
                    f'must be a UUID such as "6f1c2d3e-0a4b-4c5d-8e9f-a0b1c2d3e4f5", or "" '
                    f"to derive one (got {value!r})"
                ) from None
        return value

    @model_validator(mode="after")
    def _target_fits(self) -> LightingSection:
        if not self.target.strip():
            raise ValueError('target must be a host, "multicast" or "broadcast"')
        if self.target == "multicast" and self.protocol == "artnet":
            raise ValueError('target "multicast" is for sACN; Art-Net uses "broadcast" or a host')
        if self.target == "broadcast" and self.protocol == "sacn":
            raise ValueError('target "broadcast" is for Art-Net; sACN uses "multicast" or a host')
        return self


class HealthSection(_Section):
    """The health endpoint (see installation/supervise/health.py): JSON over HTTP."""

    listen: str = "127.0.0.1:9003"

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        if value:  # "" turns the endpoint off
            parse_host_port(value)
        return value


class SuperviseSection(_Section):
    """The restart-storm guard (see installation/supervise/storm.py)."""

    # This many failed starts within storm_window_s start the show in a safe idle look,
    # which ends (exit 0) after safe_idle_s so that a normal start is tried again. 0: off.
    storm_failures: int = Field(5, ge=0, le=1000)
    storm_window_s: float = Field(600.0, ge=1.0, le=86400.0)
    safe_idle_s: float = Field(600.0, ge=1.0, le=86400.0)
    # Where the list of recent starts is kept; "" for $STATE_DIRECTORY (systemd), else
    # $XDG_STATE_HOME/nova-sanctuary, else ~/.local/state/nova-sanctuary.
    state_dir: str = ""


class RecordSection(_Section):
    """Recordings kept for documentation (installation/record/keeper.py): session files
    (numbers only) in `folder`, a new one each opening day, the oldest deleted past the
    budget."""

    folder: str = ""  # "" records nothing (unless `run --record FILE`)
    max_file_mb: float = Field(0.0, ge=0.0, le=100000.0)  # a new file past this; 0: per day only
    keep_mb: float = Field(0.0, ge=0.0, le=10000000.0)  # total kept; 0: no size budget
    keep_days: float = Field(0.0, ge=0.0, le=36500.0)  # files older are deleted; 0: no limit
    while_closed: bool = False  # record outside opening hours too


class ScheduleSection(_Section):
    """Opening hours (installation/schedule/): outside them the picture and the rig fade to
    `venue.closed_level` and the camera is released. No hours: open around the clock."""

    timezone: str = ""  # the venue's IANA zone; "" for this machine's
    mon: list[str] = Field(default_factory=list)
    tue: list[str] = Field(default_factory=list)
    wed: list[str] = Field(default_factory=list)
    thu: list[str] = Field(default_factory=list)
    fri: list[str] = Field(default_factory=list)
    sat: list[str] = Field(default_factory=list)
    sun: list[str] = Field(default_factory=list)
    closed: list[str] = Field(default_factory=list)  # dates closed all day
    dates: dict[str, list[str]] = Field(default_factory=dict)  # a date's own hours

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        venue_zone(value)
        return value

    @field_validator("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    @classmethod
    def _ranges(cls, value: list[str]) -> list[str]:
        parse_spans(value)
        return value

    @field_validator("closed")
    @classmethod
    def _dates(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_date(text)
        return value

    @field_validator("dates")
    @classmethod
    def _dated_hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for text, ranges in value.items():
            parse_date(text)
            parse_spans(ranges)
        return value

    def timetable(self) -> Timetable:
        weekly = {day: getattr(self, day) for day in WEEKDAYS}
        return build_timetable(venue_zone(self.timezone), weekly, self.closed, self.dates)


class LogSection(_Section):
    """A log file beside stderr, rotated at max_mb with `backups` old files kept."""

    file: str = ""  # "" logs to stderr (the journal under systemd) only
    max_mb: float = Field(10.0, ge=0.01, le=10000.0)
    backups: int = Field(3, ge=0, le=100)


class Config(_Section):
    """The whole validated configuration (params are checked separately, see Settings)."""

    source: SourceSection = SourceSection()
    window: WindowSection = WindowSection()
    render: RenderSection = RenderSection()
    output: OutputSection = OutputSection()
    sim: SimSection = SimSection()
    show: ShowSection = ShowSection()
    status: StatusSection = StatusSection()
    osc: OscSection = OscSection()
    cues: CuesSection = CuesSection()
    vision: VisionSection = VisionSection()
    lighting: LightingSection = LightingSection()
    health: HealthSection = HealthSection()
    supervise: SuperviseSection = SuperviseSection()
    log: LogSection = LogSection()
    schedule: ScheduleSection = ScheduleSection()
    record: RecordSection = RecordSection()
    params: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """What the program runs with: the config, the starting parameter values, and where from."""

    config: Config
    params: dict[str, ParamValue]
    files: tuple[str, ...]


def parse_size(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720); ValueError says the expected form."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"size must be WIDTHxHEIGHT, for example 1280x720 (got {text!r})")
    width, height = int(parts[0]), int(parts[1])
    if not (16 <= width <= 16384 and 16 <= height <= 16384):
        raise ValueError(f"width and height must be 16..16384 pixels (got {text!r})")
    return width, height


def _host_ports(targets: list[str], what: str) -> list[str]:
    """Check a list of HOST:PORT targets; the error says which kind of target is wrong."""
    for target in targets:
        try:
            parse_host_port(target)
        except ValueError as exc:
            raise ValueError(f"each {what} {exc}") from None
    return targets


def parse_host_port(text: str) -> tuple[str, int]:
    """'127.0.0.1:9000' -> ('127.0.0.1', 9000)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"must be HOST:PORT with a port 1..65535 (got {text!r})")
    return host.strip("[]"), int(port)


def default_config_path() -> Path:
    return configs_dir() / "default.toml"


def resolve_config_path(name: str) -> Path:
    """A path as given, or the name of a shipped config (`gallery` -> configs/gallery.toml)."""
    path = find_config_file(name, configs_dir())
    if path is None:
        shipped = shipped_names(configs_dir(), leave_out=("params",))
        raise ConfigError(f"{name}: config file not found (shipped configs: {shipped})")
    return path


def parse_override(text: str) -> tuple[str, Any]:
    """`dotted.key=value`: the value is read as TOML, a bare word as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(
            f"--set {text!r}: expected dotted.key=value, for example window.size=1920x1080"
        )
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def load_settings(
    catalogue: Catalogue,
    config_file: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    flags: list[tuple[str, str, Any]] | tuple[tuple[str, str, Any], ...] = (),
) -> Settings:
    """Merge default.toml, a config file, `--set` overrides and flags, then validate.

    `flags` are (flag, dotted key, value) from options like `--size`; they win over `--set`
    and errors in them name the flag.
    """
    layers: list[tuple[str, dict[str, Any]]] = [
        ("configs/default.toml", _read_toml(default_config_path()))
    ]
    files = [str(default_config_path())]
    if config_file is not None:
        path = resolve_config_path(config_file)
        layers.append((str(path), _read_toml(path)))
        files.append(str(path))
    set_layer: dict[str, Any] = {}
    for text in overrides:
        key, value = parse_override(text)
        _set_dotted(set_layer, key, value, text)
    if set_layer:
        layers.append(("--set", set_layer))
    for flag, key, value in flags:
        flag_layer: dict[str, Any] = {}
        _set_dotted(flag_layer, key, value, flag)
        layers.append((flag, flag_layer))

    merged: dict[str, Any] = {}
    for _, data in layers:
        _deep_merge(merged, data)
    try:
        config = Config.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe_errors(exc, layers)) from None
    params = _validate_params(catalogue, config.params, layers)
    return Settings(config=config, params=params, files=tuple(files))


def validate_config(data: Any, origin: str) -> Config:
    """A Config from stored settings (a recording's header); mistakes name `origin` and key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: must be a table of settings (got {type(data).__name__})")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe_errors(exc, [(origin, data)])) from None


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, "config file")


def _set_dotted(target: dict[str, Any], key: str, value: Any, text: str) -> None:
    parts = key.split(".")
    node = target
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {text!r}: {part!r} is a value, not a section")
        node = child
    node[parts[-1]] = value


def _deep_merge(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _origin(layers: list[tuple[str, dict[str, Any]]], path: tuple[str | int, ...]) -> str:
    """The last layer that set this key (or a section above it)."""
    for origin, data in layers[::-1]:
        if _has_path(data, path):
            return origin
    return layers[-1][0]


def _has_path(data: dict[str, Any], path: tuple[str | int, ...]) -> bool:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _describe_errors(exc: ValidationError, layers: list[tuple[str, dict[str, Any]]]) -> str:
    lines = []
    for error in exc.errors():
        path = tuple(error["loc"])
        dotted = ".".join(str(p) for p in path)
        where = f"{_origin(layers, path)}: {dotted}"
        if error["type"] == "extra_forbidden":
            lines.append(f"{where}: {_unknown_key(path)}")
        elif error["type"] == "value_error":
            # Our own validators already quote the value they refuse.
            lines.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        else:
            lines.append(f"{where}: {_plain_message(error)} (got {error['input']!r})")
    return "\n".join(lines)


_PLAIN = {
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be text (in quotes in a TOML file)",
    "model_type": "must be a section (a table of keys)",
    "dict_type": "must be a section (a table of keys)",
    "finite_number": "must be a finite number",
}


def _plain_message(error: Any) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] == "less_than_equal":
        return f"must be at most {ctx['le']:g}"
    if error["type"] == "greater_than_equal":
        return f"must be at least {ctx['ge']:g}"
    if error["type"] == "literal_error":
        return f"must be {ctx.get('expected', 'one of the listed values')}"
    return str(_PLAIN.get(error["type"], error["msg"]))


# Keys of earlier versions, and what took their place.
RENAMED = {
    "growth_scale": "the living light's grid no longer follows the output: set growth_rows "
    "(cells high, default 144)",
    "growth_steps": "the living light steps by show time, not per frame: set growth_rate "
    "(steps a second, default 60)",
}


def _unknown_key(path: tuple[str | int, ...]) -> str:
    model: type[BaseModel] = Config
    for part in path[:-1]:
        annotation = model.model_fields[str(part)].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    allowed = list(model.model_fields)
    name = str(path[-1])
    what = "section" if len(path) == 1 else f"key in [{'.'.join(str(p) for p in path[:-1])}]"
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    if name in RENAMED:
        hint = f"{RENAMED[name]}; "
    return f"unknown {what} {name!r}; {hint}allowed: {', '.join(allowed)}"


def _validate_params(
    catalogue: Catalogue, raw: dict[str, Any], layers: list[tuple[str, dict[str, Any]]]
) -> dict[str, ParamValue]:
    values = catalogue.defaults()
    problems = []
    for name, value in flatten_table(raw):
        where = f"{_origin(layers, ('params', *name.split('.')))}: params.{name}"
        if name not in catalogue:
            problems.append(
                f"{where}: {unknown_name_message(name, [p.name for p in catalogue], 'parameter')}"
            )
            continue
        try:
            values[name] = catalogue.get(name).validate(value)
        except ParamValueError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise ConfigError("\n".join(problems))
    return values
