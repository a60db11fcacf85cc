"""Backups that restore: the database and the stored objects copied to a backup set with a
manifest, restored into an empty database and store, then proved identical (decision 0019)."""
