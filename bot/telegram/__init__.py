"""The telegram front-end."""
