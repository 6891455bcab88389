"""The `ringround` command line: organisers' and administrators' front-end."""
