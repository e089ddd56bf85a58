"""Allocation runs: the round's problem built from the database, solved by ``matching``,
stored, reviewed and published."""
