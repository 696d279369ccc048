"""Where faces come from: a camera, a video file, or a simulated crowd."""
