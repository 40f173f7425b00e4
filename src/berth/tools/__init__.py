"""Developer tools that read the whole application (like ``cli``, outside the layered rings)."""
