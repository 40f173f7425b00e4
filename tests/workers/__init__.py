"""Worker tests."""
