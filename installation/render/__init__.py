"""Rendering: shader loading, GL programs and passes."""
