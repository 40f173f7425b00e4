"""Who is calling (principals, credentials) and what they may do (policy, scope clamping)."""
