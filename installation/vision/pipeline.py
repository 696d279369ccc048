"""The vision path for one frame: find and follow faces, read smiles, steady the scores.

    frame -> grey -> [sweep: one job of the full scan] -> [follower: every known face,
    locally] -> [reader: smile and emotions of up to `faces_per_frame` faces] ->
    [SmileState per face: smoothing and hysteresis] -> FaceObservation per face

Faces are found by BlazeFace (`vision.face_detector`, default; dnn_detect.py: tiles of the
full-size frame, colour when the frame has it, and the eyes of each face) or by the Haar
cascade (sweep.py and follow.py, on a grey copy `detect_width` wide).

Single-threaded and synchronous: the camera worker, the bench and the tests drive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.config import FaceCascade, FaceDetectorName, SmileModelName, VisionSection
from installation.events import FaceObservation
from installation.vision.align import aligned_crop
from installation.vision.blazeface import BlazeFace
from installation.vision.blazeface_files import Range
from installation.vision.boxes import Box
from installation.vision.detect import FACE_CASCADE, cascade_dir, load_cascade
from installation.vision.dnn_detect import SWEEP_LEVELS, BlazeFaceFinder, BlazeFaceSweep
from installation.vision.follow import FaceFollower, FollowedFace, Sighting
from installation.vision.reading import SmileReader, make_reader
from installation.vision.smile import SmileSettings, SmileState
from installation.vision.sweep import DetectionSweep

Image = npt.NDArray[np.uint8]
_DEFAULTS = VisionSection()  # the defaults are written once, in config.py


@dataclass(frozen=True)
class VisionSettings:
    """Everything the vision path can be tuned by: the `[vision]` config section
    (`from_config`), and the scan's tile size, which only benchmarks change."""

    face_detector: FaceDetectorName = _DEFAULTS.face_detector
    face_cascade: FaceCascade = _DEFAULTS.face_cascade
    detect_width: int = _DEFAULTS.detect_width
    smile_model: SmileModelName = _DEFAULTS.smile_model
    model_path: Path | None = None  # None: the fetched default model
    smile: SmileSettings = field(default_factory=lambda: smile_settings(_DEFAULTS))
    track_timeout: float = _DEFAULTS.face_timeout
    max_faces: int = _DEFAULTS.max_faces
    faces_per_frame: int = _DEFAULTS.faces_per_frame
    scan_tile_pixels: int = 16000

    @classmethod
    def from_config(cls, vision: VisionSection) -> VisionSettings:
        """The `[vision]` section as the pipeline takes it (`face_timeout` is how long a
        face is followed unseen; `model` a path, "" for the default)."""
        return cls(
            face_detector=vision.face_detector,
            face_cascade=vision.face_cascade,
            detect_width=vision.detect_width,
            smile_model=vision.smile_model,
            model_path=Path(vision.model) if vision.model else None,
            smile=smile_settings(vision),
            track_timeout=vision.face_timeout,
            max_faces=vision.max_faces,
            faces_per_frame=vision.faces_per_frame,
        )


def smile_settings(vision: VisionSection) -> SmileSettings:
    return SmileSettings(
        threshold=vision.smile_threshold,
        hysteresis=vision.smile_hysteresis,
        smoothing=vision.smile_smoothing,
    )


def to_gray(image: npt.NDArray[np.generic]) -> Image:
    """Grey uint8 from a grey, BGR or BGRA frame of any integer or float depth.

    A camera or file can hand over odd frames (16-bit, 4 channels, floats); they are
    converted here rather than failing further down.
    """
    if image.dtype != np.uint8:
        if np.issubdtype(image.dtype, np.floating):
            scale = 255.0 if float(np.nanmax(image, initial=0.0)) <= 1.0 else 1.0
            image = np.nan_to_num(image.astype(np.float32) * scale)
        elif image.dtype.itemsize > 1:
            image = image.astype(np.float32) / (2 ** (8 * image.dtype.itemsize - 8))
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        return cast(Image, image)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return cast(Image, cv2.cvtColor(cast(Image, image), code))
    raise ValueError(f"not an image: shape {image.shape}, expected HxW, HxWx3 or HxWx4")


DETECTOR_NAMES: dict[FaceDetectorName, str] = {
    "blazeface": "BlazeFace (short range)",
    "blazeface_full": "BlazeFace (full range)",
    "haar": "the Haar face cascade",
}


def is_blank(gray: Image) -> bool:
    """True for a frame of (nearly) one colour: black, a covered lens, a dead sensor."""
    sample = gray[::8, ::8]
    return sample.size == 0 or float(sample.std()) < 2.0


class VisionPipeline:
    """Frames in, anonymous face observations out; keeps per-face state between frames."""

    def __init__(self, settings: VisionSettings | None = None, reader: SmileReader | None = None):
        self.settings = settings = settings or VisionSettings()
        if settings.detect_width < 64:
            width = settings.detect_width
            raise ValueError(f"detect_width must be at least 64 pixels, not {width}")
        self._sweep: DetectionSweep | BlazeFaceSweep
        self._dnn = settings.face_detector != "haar"
        if self._dnn:
            # Loads the model now: a missing file raises FaceDetectorError at start-up.
            which: Range = "full" if settings.face_detector == "blazeface_full" else "short"
            detector = BlazeFace(which)
            self._sweep = BlazeFaceSweep(detector, SWEEP_LEVELS[which])
            # Following and confirming frame the face at half the input: short range's
            # domain (the full-range model misses most faces that large).
            near = detector if which == "short" else BlazeFace("short")
            finder = BlazeFaceFinder(near)
            self._follower = FaceFollower(
                None,
                finder=finder,
                confirm=finder.confirm,
                timeout=settings.track_timeout,
                max_faces=settings.max_faces,
            )
        else:
            cascade = load_cascade(cascade_dir() / _cascade_file(settings.face_cascade))
            self._sweep = DetectionSweep(cascade, tile_pixels=settings.scan_tile_pixels)
            self._follower = FaceFollower(
                cascade, timeout=settings.track_timeout, max_faces=settings.max_faces
            )
        # Loads the model now, so a missing file fails at start-up, not mid-show.
        self.reader = reader or make_reader(settings.smile_model, settings.model_path)
        self._states: dict[int, SmileState] = {}
        self._visited: dict[int, int] = {}  # face id -> frame number of its last visit
        self._frame = 0

    @property
    def sweep(self) -> DetectionSweep | BlazeFaceSweep:
        """The full-frame search; its `cycles` counts the full scans done."""
        return self._sweep

    @property
    def detector(self) -> str:
        """The face detector in use, in words."""
        return DETECTOR_NAMES[self.settings.face_detector]

    @property
    def faces(self) -> tuple[FollowedFace, ...]:
        """The faces followed now: id, box and, with BlazeFace, `eyes` (frame fractions)."""
        return self._follower.faces

    def reset(self) -> None:
        """Forget every face (the camera was lost: whoever comes back is new)."""
        self._follower.reset()
        self.reader.forget(list(self._states))
        self._states.clear()
        self._visited.clear()

    def process(self, image: npt.NDArray[np.generic], time: float) -> tuple[FaceObservation, ...]:
        """Observe one frame captured at show time `time`."""
        gray = to_gray(image)
        colour = None
        if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3:
            colour = cast(Image, image)
        return self.process_gray(gray, time, colour)

    def process_gray(
        self, gray: Image, time: float, colour: Image | None = None
    ) -> tuple[FaceObservation, ...]:
        """Observe one grey frame; `colour`, the same frame in BGR, helps BlazeFace."""
        self._frame += 1
        height, width = gray.shape[:2]
        if height < 24 or width < 24:
            return ()
        found: list[Box] | list[Sighting]
        if self._dnn:
            # BlazeFace sees the full-size frame, in colour when there is one: it finds
            # more faces in colour (see dnn_detect.py).
            search = gray if colour is None or colour.shape[:2] != gray.shape else colour
            found = cast(BlazeFaceSweep, self._sweep).step(search)
        else:
            search = gray
            scale = min(1.0, self.settings.detect_width / width)
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = gray if scale == 1.0 else cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            # No histogram equalisation: the cascade normalises each window's contrast
            # itself, and equalising a frame that is mostly dark wall hid whole faces in tests.
            found = cast(DetectionSweep, self._sweep).step(cast(Image, small))
        # Faces are visited (looked for again and read) round-robin, `faces_per_frame` at
        # a time, those visited longest ago first: with many faces each is still visited
        # every few frames, and a frame's cost stays bounded.
        known = sorted(self._follower.faces, key=lambda f: self._visited.get(f.id, 0))
        visit = {face.id for face in known[: max(1, self.settings.faces_per_frame)]}
        faces = self._follower.update(search, time, found, visit)

        alive = {face.id for face in faces}
        gone = set(self._states) - alive
        for key in gone:
            del self._states[key]
            self._visited.pop(key, None)
        self.reader.forget(gone)
        # New faces (box fresh from the sweep) are read at once, visited ones if found.
        due = [f for f in faces if f.id not in self._states or (f.id in visit and f.seen_now)]
        for face in faces:
            if face.id in visit or face.id not in self._visited:
                self._visited[face.id] = self._frame
        if due:
            # Levelled and scaled by the eyes where the detector gives them (align.py).
            crops = [aligned_crop(gray, face.box, face.eyes) for face in due]
            readings = self.reader.read(crops, [face.id for face in due])
            for face, (smile, emotions) in zip(due, readings, strict=True):
                state = self._states.get(face.id)
                if state is None:
                    state = self._states[face.id] = SmileState(self.settings.smile)
                state.update(time, smile, emotions)

        observations = []
        for face in faces:
            state = self._states.get(face.id)
            if state is None:
                continue  # found this frame but not read yet: reported once it is
            box = face.box
            observations.append(
                FaceObservation(
                    track_id=face.id,
                    x=float(box.x),
                    y=float(box.y),
                    w=float(box.w),
                    h=float(box.h),
                    smile=state.score,
                    emotions=state.probabilities,
                )
            )
        return tuple(observations)


def _cascade_file(name: str) -> str:
    if name == "frontalface_default":
        return FACE_CASCADE
    return f"haarcascade_{name}.xml"
