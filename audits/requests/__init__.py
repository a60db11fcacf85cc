"""Evidence requests of an audit engagement (issue 13 item 3): what the auditor (or the quality
manager) asks for, which requirements it concerns, by when and who answers it; the answers the
structure links or uploads, shown to the auditor only once a quality manager submits them; and
two threads per request, one with the auditor and one internal to the structure.

`models` holds the tables and their invariants, `services` the operations `(actor, obj, ...)`,
`threads` the messages, `imports` the CSV / XLSX import, `api` and `auditor_api` the routes,
`pages` the structure's pages, `deadlines` the due dates announced to the reminders
(`audit_prep.deadlines`: notices delivers them; audits may not import notices)."""
