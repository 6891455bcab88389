"""Use-cases: one async function per verb, each one transaction, called by every front-end."""
