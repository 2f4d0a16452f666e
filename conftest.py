"""Fixtures for every test folder: real Kafka and PostgreSQL, services as processes."""

pytest_plugins = ["tests.support.fixtures", "tests.support.browser"]
