"""CSV import of the practice's at-risk list and of volunteers: parsing and validation."""
