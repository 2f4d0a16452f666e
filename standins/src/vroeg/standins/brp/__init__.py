"""BRP stand-in."""
