"""OpenCV's Haar cascades: finding and loading them, smiles scored with the smile cascade,
and the light smile-only emotion reading.

Faces are found and followed by `sweep.py` and `follow.py`; `pipeline.py` loads their face
cascade with `load_cascade`. Cascades load when asked (`load_cascade`, `SmileScorer()`),
never at import; images stay in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

from installation.emotions import EMOTIONS, HAPPY, NEUTRAL
from installation.vision.boxes import Box

Image = npt.NDArray[np.uint8]

FACE_CASCADE = "haarcascade_frontalface_default.xml"
SMILE_CASCADE = "haarcascade_smile.xml"


def cascade_dir() -> Path:
    """Where opencv-python keeps its Haar cascades (4.x wheels; 5.x dropped them)."""
    data: Any = getattr(cv2, "data", None)
    folder = getattr(data, "haarcascades", None)
    if not folder:
        raise FileNotFoundError(
            f"OpenCV {cv2.__version__} has no cv2.data.haarcascades; install "
            "opencv-python 4.x (5.x wheels no longer ship the Haar cascades)"
        )
    return Path(folder)


def load_cascade(path: str | Path) -> cv2.CascadeClassifier:
    """Load a Haar cascade, or say clearly which file is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Haar cascade not found: {path} (opencv-python 4.x ships it in "
            "cv2.data.haarcascades; pass cascade_path= to use another copy)"
        )
    problem = "it holds no cascade"
    try:
        cascade = cv2.CascadeClassifier(str(path))
    except (cv2.error, SystemError):  # OpenCV raises on files that are not XML at all
        cascade, problem = None, "OpenCV cannot parse it as XML"
    if cascade is None or cascade.empty():
        raise ValueError(f"Haar cascade could not be loaded from {path}: {problem}")
    return cascade


def to_gray(image: Image) -> Image:
    """A grayscale view of a BGR or already-gray frame."""
    if image.ndim == 2:
        return image
    return cast(Image, cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


class SmileScorer:
    """A smile score 0..1 from the smile cascade on the lower half of a face.

    Why a count of raw hits: run with minNeighbors=0 the cascade returns every window that
    passed all its stages, ungrouped, and a real smile is passed by many neighbouring
    positions and scales while a closed mouth passes few or none. On 600 GENKI-4K faces
    (found by the frontal-face cascade, mouth resized to 64x32) that count separated smiles
    from non-smiles better (ROC AUC 0.90) than detectMultiScale3's final-stage levelWeights
    (0.82-0.88) or counting the minNeighbors levels that still detect (0.82, and five
    passes instead of one); one pass costs about 0.5 ms. The fixed mouth size keeps counts
    comparable between near and far faces; a smoothstep turns the count into a score.
    """

    def __init__(
        self,
        *,
        mouth_size: tuple[int, int] = (64, 32),
        scale_factor: float = 1.1,
        count_low: float = 2.0,
        count_high: float = 20.0,
        cascade_path: str | Path | None = None,
    ) -> None:
        if count_high <= count_low:
            raise ValueError(f"count_high ({count_high}) must exceed count_low ({count_low})")
        self.mouth_size = mouth_size
        self.scale_factor = scale_factor
        # Measured on GENKI-4K at 64x32: non-smiles median 2 hits (90% at most 11), smiles
        # median 21. So 2 or fewer reads as no smile, 20 or more as a full one.
        self.count_low = count_low
        self.count_high = count_high
        self._cascade = load_cascade(cascade_path or cascade_dir() / SMILE_CASCADE)

    def count(self, image: Image, face: Box) -> int:
        """Raw smile-cascade hits in the lower half of `face` (a box as fractions)."""
        gray = to_gray(image)
        height, width = gray.shape[:2]
        x0 = int(np.clip(face.x * width, 0, width))
        x1 = int(np.clip((face.x + face.w) * width, 0, width))
        y0 = int(np.clip((face.y + face.h / 2.0) * height, 0, height))
        y1 = int(np.clip((face.y + face.h) * height, 0, height))
        if x1 - x0 < 4 or y1 - y0 < 2:
            return 0
        crop = gray[y0:y1, x0:x1]
        interpolation = cv2.INTER_AREA if x1 - x0 >= self.mouth_size[0] else cv2.INTER_LINEAR
        mouth = cv2.equalizeHist(cv2.resize(crop, self.mouth_size, interpolation=interpolation))
        hits = self._cascade.detectMultiScale(mouth, scaleFactor=self.scale_factor, minNeighbors=0)
        return len(hits)

    def score_count(self, hits: int) -> float:
        """Map a hit count to 0..1 with a smoothstep between count_low and count_high."""
        t = (hits - self.count_low) / (self.count_high - self.count_low)
        t = min(1.0, max(0.0, t))
        return t * t * (3.0 - 2.0 * t)

    def score(self, image: Image, face: Box) -> float:
        """Smile score 0..1 for one face in a BGR or gray frame."""
        return self.score_count(self.count(image, face))


def emotions_from_smile(smile: float) -> tuple[float, ...]:
    """The lighter option: an emotion vector read from the smile alone.

    The smile cascade knows one thing, so this claims no more: P(happy) = smile,
    P(neutral) = 1 - smile, every other emotion 0. The emotion model (a later issue)
    replaces it with a real 7-class reading.
    """
    smile = min(1.0, max(0.0, float(smile)))
    probabilities = [0.0] * len(EMOTIONS)
    probabilities[HAPPY] = smile
    probabilities[NEUTRAL] = 1.0 - smile
    return tuple(probabilities)
