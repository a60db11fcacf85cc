"""Business operations of the checklists app: library import, adoption, applicability, links,
custom requirements, the readiness checklist and its snapshots. Import from the submodules."""
