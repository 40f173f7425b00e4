"""Pure helpers with no knowledge of HTTP, the database or configuration."""
