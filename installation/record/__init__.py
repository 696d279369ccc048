"""Recording a live show's events (never pixels) and replaying them offline."""
