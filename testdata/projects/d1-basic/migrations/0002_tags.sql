CREATE TABLE tags (note_id INTEGER NOT NULL REFERENCES notes(id), tag TEXT NOT NULL);
INSERT INTO notes (body) VALUES ('seeded by a migration');
