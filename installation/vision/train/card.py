"""The model card written beside a trained smile network: what it is, what it learnt from,
how well it did on crops it never saw, and the terms of its data."""

from __future__ import annotations

from typing import Any

INTENDED = (
    "P(smile) for one upright face in a grey crop (any size; read at 48x48), in an art "
    "installation's live camera path. Not for identifying people, not for any decision "
    "about a person."
)
DATA_NOTES = {
    "genki4k-dev": (
        "MPLab GENKI-4K (http://mplab.ucsd.edu, The MPLab GENKI-4K Dataset): real "
        "photographs, 64x64 colour crops from an automatic face detector, unaligned, a few "
        "not faces; read as grey."
    ),
    "smilesmiled-train": (
        "SMILEsmileD (github.com/hromi/SMILEsmileD; faces from Labeled Faces in the Wild): "
        "64x64 grey crops; the half of the set chosen by a hash of each file name (the other "
        "half is held back by the project's planners for measuring)."
    ),
}


def model_card(figures: dict[str, Any], model_name: str) -> str:
    """Markdown for `figures` (what run_training returns)."""
    lines = [
        f"# Model card: `{model_name}`",
        "",
        "The project's own smile network, written by `installation smiles train`; rerun it "
        "to reproduce this file and the network (seeded).",
        "",
        "## Use",
        INTENDED,
        "",
        "## Network",
        "A small VGG-like CNN (convolutions of 16, 32, 32, 64, 64, 96 channels with batch "
        "norm and ReLU, three max-pools, global average, dropout, one logit), "
        "`installation/vision/train/net.py`; about 125,000 weights. Input: the grey crop "
        "resized to 48x48 and standardised per crop (zero mean, unit spread), the same in "
        "training and in the show (`installation/vision/smilenet.py`). Exported to ONNX "
        f"and read by OpenCV's dnn; largest logit difference OpenCV vs PyTorch on a test "
        f"batch: {figures['opencv_vs_torch_max_logit_difference']:.2g}.",
        "",
        "## Training data",
    ]
    for name, counts in figures["data"].items():
        note = DATA_NOTES.get(name, "labelled face crops (0/: no smile, 1/: smile).")
        lines.append(f"- `{name}`: {counts['smile']} smiles, {counts['no_smile']} not. {note}")
    settings = figures["settings"]
    augmentation = ", ".join(f"{k} {v}" for k, v in figures["augmentation"].items())
    lines += [
        "",
        "The images are not in this repository and never were; only the weights learnt from "
        "them are.",
        "",
        "## Training",
        f"AdamW (learning rate {settings['learning_rate']}, weight decay "
        f"{settings['weight_decay']}), one-cycle schedule, {settings['epochs']} epochs, "
        f"batches of {settings['batch']}, seed {figures['seed']}; binary cross-entropy with "
        "each class of each folder weighted equally (SMILEsmileD is 72% non-smiles, and "
        "its figure is a balanced accuracy). Augmentation for gallery light, per crop: "
        f"{augmentation}. PyTorch {figures['torch']}, Python {figures['python']}, "
        f"the run took {figures['minutes']} minutes on {figures['machine']} (CPU).",
        "",
        "## How well it reads crops it never saw",
    ]
    if figures["cross_validation"]:
        lines.append(
            f"{figures['folds']}-fold cross-validation, folds stratified by folder and label: "
            "each fold's network trained on the other folds only, each crop read plain and "
            "mirrored (the mean), threshold 0.5, not tuned."
        )
        lines.append("")
        lines.append("| folder | accuracy | balanced accuracy | per fold (accuracy) |")
        lines.append("|---|---|---|---|")
        for name, mean in figures["cross_validation_mean"].items():
            per_fold = ", ".join(
                f"{row['accuracy']:.3f}"
                for rows in figures["cross_validation"]
                for row in rows
                if row["name"] == name
            )
            lines.append(
                f"| `{name}` | {mean['accuracy_mean']:.4f} ± {mean['accuracy_sd']:.4f} | "
                f"{mean['balanced_accuracy_mean']:.4f} ± {mean['balanced_accuracy_sd']:.4f} "
                f"| {per_fold} |"
            )
    else:
        lines.append("Not cross-validated (`--folds 0`).")
    if "blend" in figures:
        blend = figures["blend"]
        lines += [
            "",
            "### Blended with the emotion CNNs (what the show uses)",
            "The show's smile is sigmoid(a * logit(P_network) + b * logit(P_happy) + c), "
            "P_happy being the mean P(happy) of fer's and face-api.js's emotion CNNs "
            f'(`vision.smile_model = "smilenet"`): a = {blend["network"]:.3f}, '
            f"b = {blend['cnns']:.3f}, c = {blend['bias']:.3f}, fitted on every crop's "
            "held-out network prediction (above) and the CNNs' reading, class-weighted as in "
            "training. Cross-validated with the same folds (the blend fitted without each "
            "fold, then applied to it):",
            "",
            "| folder | network alone | emotion CNNs alone | blend |",
            "|---|---|---|---|",
        ]
        for name, row in figures["blend_cross_validation"].items():
            net, cnns = figures["network_held_out"][name], figures["cnns_alone"][name]
            lines.append(
                f"| `{name}` | {net['accuracy']:.4f} (balanced {net['balanced_accuracy']:.4f}) "
                f"| {cnns['accuracy']:.4f} ({cnns['balanced_accuracy']:.4f}) "
                f"| {row['accuracy']:.4f} ({row['balanced_accuracy']:.4f}) |"
            )
    fit = ", ".join(f"`{row['name']}` {row['accuracy']:.4f}" for row in figures["training_fit"])
    lines += [
        "",
        f"The shipped network is trained on every crop; on its own training crops it reads "
        f"{fit} (training fit, not a measure of how it generalises).",
        "",
        "## Licence notes",
        "The weights are this project's. GENKI-4K is distributed by MPLab (UC San Diego) for "
        "research; SMILEsmileD is published on GitHub by its author with LFW faces, whose "
        "photographs belong to their photographers. Whoever ships the weights further should "
        "check those terms for their use; the show uses them to light a room, never to "
        "identify anyone, and keeps no image.",
        "",
    ]
    return "\n".join(lines)
