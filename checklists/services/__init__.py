"""Business operations of the checklists app: library import, adoption, exclusions, links,
custom requirements, the readiness checklist and its snapshots. Import from the submodules."""
