"""The gallery day: opening hours, and what the show does when the venue opens and closes."""
