"""Kafka messaging with the guarantees every service relies on.

- Publishing goes through a transactional outbox (`UnitOfWork.publish`), relayed by
  `OutboxRelay`; a row is deleted only after the broker acknowledged it.
- Consuming (`EventConsumer`) records every processed event id in the same transaction as the
  handler's changes and commits the offset only afterwards, so a redelivery changes nothing.
"""
