"""Robot accounts: ``namespace+shortname`` credentials for automation, owned by a user or an org."""
