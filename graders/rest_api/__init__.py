"""Contract tests of the rest-api exercise."""
