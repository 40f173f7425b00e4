"""Organizations: teams with org-wide roles (member, creator, admin), team membership, the owners team."""
