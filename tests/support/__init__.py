"""Helpers for the cross-service tests: they touch only the public surface (HTTP, topics, DB)."""
