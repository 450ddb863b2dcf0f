"""The web chat page (static/), its sessions and the device links printed as QR labels."""
