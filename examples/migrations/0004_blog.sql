-- The app example's blog.

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
);

INSERT INTO posts (id, slug, title, body, views) VALUES
    (1, 'parallel-routes', 'Why we moved to parallel routes', 'Every widget of the dashboard loads on its own, and a slow one no longer holds the page.', 1200),
    (2, 'sqlite-in-production', 'SQLite in production', 'One file, no server, and it keeps up with us.', 3400),
    (3, 'streaming-html', 'Streaming HTML, slowly explained', 'The shell goes first; the slow parts follow in the same response.', 800),
    (4, 'office-lisbon', 'Our Lisbon office', 'Pastéis de nata on Fridays.', 2100);

INSERT INTO post_tags (post_id, tag) VALUES
    (1, 'engineering'), (1, 'web'), (2, 'engineering'), (2, 'databases'),
    (3, 'web'), (3, 'engineering'), (4, 'company');
