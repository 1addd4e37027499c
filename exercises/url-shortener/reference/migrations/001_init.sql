CREATE TABLE IF NOT EXISTS links (
    code       text PRIMARY KEY,
    url        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    clicks     bigint NOT NULL DEFAULT 0
);
