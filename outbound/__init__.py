"""What leaves the building and the records that make it happen exactly once: the campaigns (which gated batch
becomes which requests), the send ledger, the outbox writer, sendgrid-mode sending with in-doubt settlement,
Career Relay referrals with the provision log, and the relay tracking links. The transport clients live in
connectors/sinks/; this package decides what to send and records it.
"""
