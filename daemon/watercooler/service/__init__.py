"""The long-running service's parts: how it speaks to its supervisor (systemd)."""
