"""Combining the smile network with the emotion CNNs' P(happy): a logistic blend.

Why: the two err on different faces. The network, trained on these crops, knows smiles in
gallery light; the emotion CNNs, trained on other photos, bring what they learnt from
faces the network never saw. The blend is fitted on the network's held-out predictions
(each crop read by the fold that did not train on it), never on its training fit, and is
itself cross-validated. Plain numpy: two inputs and a bias need no library.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from installation.vision.smilenet import Blend, logit
from installation.vision.train.data import Dataset

Floats = npt.NDArray[np.float64]


def fit_blend(
    p_network: Floats, p_happy: Floats, labels: npt.NDArray[np.int64], weights: Floats
) -> Blend:
    """Weighted logistic regression by Newton's method (a few steps; convex)."""
    x = np.stack([logit(p_network), logit(p_happy), np.ones(len(labels))], axis=1)
    y = labels.astype(np.float64)
    beta = np.zeros(3)
    for _ in range(50):
        q = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (weights * (q - y))
        hessian = (x * (weights * q * (1.0 - q))[:, None]).T @ x + 1e-6 * np.eye(3)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return Blend(float(beta[0]), float(beta[1]), float(beta[2]))


def cross_validated(
    p_network: Floats,
    p_happy: Floats,
    labels: npt.NDArray[np.int64],
    weights: Floats,
    folds: npt.NDArray[np.int64],
) -> Floats:
    """Each crop's blended P(smile) from a blend fitted without its fold."""
    out = np.zeros(len(labels))
    for fold in np.unique(folds):
        held = folds == fold
        blend = fit_blend(p_network[~held], p_happy[~held], labels[~held], weights[~held])
        out[held] = blend(p_network[held], p_happy[held])
    return out


def folder_scores(
    probabilities: Floats, data: Dataset, threshold: float = 0.5
) -> dict[str, dict[str, float]]:
    """Accuracy and balanced accuracy per folder of `data` for these P(smile)."""
    said = probabilities >= threshold
    scores = {}
    for source, name in enumerate(data.names):
        mine = data.source == source
        truth, guess = data.labels[mine] == 1, said[mine]
        rates = [float((guess[truth == side] == side).mean()) for side in (True, False)]
        scores[name] = {
            "accuracy": round(float((guess == truth).mean()), 4),
            "balanced_accuracy": round(float(np.mean(rates)), 4),
        }
    return scores


def happy_of_every_crop(data: Dataset) -> Floats:
    """The ensemble's P(happy) of each crop, read as a still (grey, plain and mirrored)."""
    from installation.vision.reading import EnsembleReader  # loads the fetched CNNs

    reader = EnsembleReader()
    grey = [cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) for image in data.images]
    out = np.zeros(len(data))
    for start in range(0, len(grey), 256):
        readings = reader.read_still(grey[start : start + 256])
        out[start : start + len(readings)] = [happy for happy, _ in readings]
    return out


def blend_with_cnns(
    data: Dataset, held_out: Floats, folds: npt.NDArray[np.int64], p_happy: Floats
) -> dict[str, object]:
    """The blend fitted on every held-out prediction, and its cross-validated figures
    (the same folds), beside the network's and the CNNs' alone."""
    from installation.vision.train.fit import class_weights

    weights = class_weights(data).astype(np.float64)
    blended = cross_validated(held_out, p_happy, data.labels, weights, folds)
    blend = fit_blend(held_out, p_happy, data.labels, weights)
    return {
        "blend": {"network": blend.network, "cnns": blend.cnns, "bias": blend.bias},
        "blend_cross_validation": folder_scores(blended, data),
        "network_held_out": folder_scores(held_out, data),
        "cnns_alone": folder_scores(p_happy, data),
    }
