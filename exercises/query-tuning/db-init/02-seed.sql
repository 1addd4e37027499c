-- The data set: deterministic (arithmetic on the row number, no random()), so every
-- grade, the reference's and the learner's, sees the same rows and the same answers.
-- 2,000 authors; 200,000 posts, one every 5 minutes from 2024-01-01 00:00 UTC.
INSERT INTO authors (id, name, email)
SELECT i, 'Author ' || lpad(i::text, 4, '0'), 'author' || i || '@example.com'
FROM generate_series(1, 2000) AS i;

INSERT INTO posts (id, author_id, slug, title, category, views, published_at, body)
SELECT i,
       (i * 7919) % 2000 + 1,
       'post-' || i || '-' || substr(md5(i::text), 1, 8),
       'Post ' || i || ': ' || (ARRAY['On', 'About', 'Notes on', 'Thinking about', 'Why'])[i % 5 + 1]
           || ' ' || (ARRAY['art', 'books', 'cars', 'data', 'energy', 'food', 'games', 'health',
                            'islands', 'jazz', 'kites', 'law', 'music', 'news', 'oceans',
                            'plants', 'quilts', 'rivers', 'space', 'travel'])[(i * 31) % 20 + 1],
       (ARRAY['art', 'books', 'cars', 'data', 'energy', 'food', 'games', 'health',
              'islands', 'jazz', 'kites', 'law', 'music', 'news', 'oceans',
              'plants', 'quilts', 'rivers', 'space', 'travel'])[(i * 31) % 20 + 1],
       (i::bigint * 2654435761 % 1000003)::integer % 50000,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '5 minutes',
       repeat(md5(i::text) || ' ', 120)
FROM generate_series(1, 200000) AS i;

-- The foreign key after the rows: one check of them all, not 200,000 trigger calls.
ALTER TABLE posts ADD FOREIGN KEY (author_id) REFERENCES authors (id);

-- Planner statistics and the visibility map now, so the first plans are the steady ones.
VACUUM (ANALYZE) authors;
VACUUM (ANALYZE) posts;
