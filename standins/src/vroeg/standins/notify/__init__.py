"""Notify API stand-in (GOV.UK Notify protocol, as NotifyNL speaks it)."""
