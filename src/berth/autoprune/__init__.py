"""Auto-prune policies (Quay's ``FEATURE_AUTO_PRUNE``): namespace and repository rules that end tags."""
