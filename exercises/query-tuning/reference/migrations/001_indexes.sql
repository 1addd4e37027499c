-- The indexes the hot queries need. kata owns the tables and their rows; an app may only
-- add indexes. Idempotent: applied at every start (a few hundred ms on the seeded rows).

-- GET /posts/by-slug/{slug}: an equality lookup.
CREATE INDEX IF NOT EXISTS posts_slug_idx ON posts (slug);

-- GET /categories/{category}/latest: equality first, then the order asked for, so the
-- newest N of a category are the first N entries of its range.
CREATE INDEX IF NOT EXISTS posts_category_published_idx
    ON posts (category, published_at DESC, id DESC);

-- GET /posts/top: the index's order is the answer's order.
CREATE INDEX IF NOT EXISTS posts_views_idx ON posts (views DESC, id);

-- GET /authors/{id}/stats: the equality column first, the range column second.
CREATE INDEX IF NOT EXISTS posts_author_published_idx ON posts (author_id, published_at);
