"""Non-API web routes: health, CSRF token, metrics and the interactive API page."""
