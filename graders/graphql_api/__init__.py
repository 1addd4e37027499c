"""Contract tests of the graphql-api exercise."""
