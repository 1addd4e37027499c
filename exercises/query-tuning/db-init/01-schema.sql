-- pg_stat_statements: what kata reads to see the statements the app ran (the server
-- preloads it; see exercise.toml).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

-- The schema of query-tuning. kata owns it: the app may add indexes, never change the
-- tables or their rows. Only the primary keys are indexed here; the rest is the learner's.
CREATE TABLE authors (
    id    integer PRIMARY KEY,
    name  text NOT NULL,
    email text NOT NULL
);

CREATE TABLE posts (
    id           integer PRIMARY KEY,
    author_id    integer NOT NULL,
    slug         text NOT NULL,          -- unique by construction, but not constrained
    title        text NOT NULL,
    category     text NOT NULL,
    views        integer NOT NULL,
    published_at timestamptz NOT NULL,
    body         text COMPRESSION lz4 NOT NULL  -- the wide column: 3.9 KB each
);
