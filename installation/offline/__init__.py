"""Offline rendering: a timeline drives the live Show and Renderer frame by frame into video."""
