-- Migration number: 0001 	 2024-12-27T22:04:18.794Z
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY NOT NULL,
    author TEXT NOT NULL,
    content TEXT NOT NULL
);

-- A few comments to show on the page.
INSERT INTO comments (author, content)
VALUES
    ('Ada', 'First!'),
    ('Grace', 'Nice work.'),
    ('Linus', 'Ship it.')
;
