"""Sealed audit packs (issue 13 item 5, decision 0025): an engagement frozen into a canonical
manifest and its SHA-256 seal (`seal`), the ZIP a worker builds from it (`builder`), the seal
re-verified against the store (`verification`), and downloads (`services`)."""
