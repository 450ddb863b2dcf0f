"""售后热线助手: the hotline's own Python package (domain code, channels, NLU components, CLI)."""
