"""SendGrid sink: nurture mail request bodies, the send ledger and the outbox."""
