"""The permission matrix: every ``/api/v1`` route x every kind of caller -> expected status."""
