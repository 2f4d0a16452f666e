"""Common library of the vroeg services: nothing here does IO at import time."""
