"""The vetted workflow recipes and the pinned-action catalog, shipped as package data."""
