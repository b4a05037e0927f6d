"""Tools for rule authors: check, rule tests, invariants, impact of a change, schemas, tables."""
