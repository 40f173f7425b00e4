"""Storage quotas of namespaces (Quay's quota management): a quota per namespace, its warning and
reject thresholds, and how many bytes the namespace's repositories hold."""
