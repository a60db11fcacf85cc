"""Operations on populations, their members and the members evidence names. Each checks the
actor's right (`audit_prep.access`), writes in one transaction with its audit event, and sends
`evidence.signals.vault_changed` so that readiness is recomputed."""
