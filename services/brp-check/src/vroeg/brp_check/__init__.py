"""brp-check."""
