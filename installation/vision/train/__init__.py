"""Training the project's own smile network (`installation smiles train`).

PyTorch is needed here only (the `train` extra); the show runs the exported ONNX file in
OpenCV's dnn module (`installation/vision/smilenet.py`), so nothing here is imported by it.
"""
