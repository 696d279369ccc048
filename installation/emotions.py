"""The seven emotions the vision code reads, in one fixed order."""

from typing import Final

# The order of the 7-class emotion model (see DESIGN.md); every probability vector in the
# program uses it, so an index means the same emotion everywhere.
EMOTIONS: Final[tuple[str, ...]] = (
    "angry",
    "disgust",
    "fear",
    "happy",
    "sad",
    "surprise",
    "neutral",
)
EMOTION_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(EMOTIONS)}
HAPPY: Final[int] = EMOTION_INDEX["happy"]
NEUTRAL: Final[int] = EMOTION_INDEX["neutral"]


def dominant(probabilities: tuple[float, ...]) -> str:
    """Name of the most probable emotion."""
    best = max(range(len(EMOTIONS)), key=lambda i: probabilities[i])
    return EMOTIONS[best]
