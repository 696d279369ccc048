"""Unattended running: systemd notification and watchdog, and a health endpoint over HTTP."""
