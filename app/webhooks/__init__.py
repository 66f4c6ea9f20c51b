"""Signed webhooks: events written to an outbox in their own transaction, sent in the background."""
