"""The usage (audit) log: every mutating action records one entry with Quay's log kind name."""
