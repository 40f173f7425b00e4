"""Migration scripts, applied in order by ``berth migrate`` and ``berth serve``."""
