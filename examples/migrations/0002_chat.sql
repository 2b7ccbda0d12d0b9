-- The app example's split-screen chat.

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M', 'now'))
);

CREATE INDEX messages_conversation ON messages (conversation_id, id);

INSERT INTO conversations (id, title) VALUES (1, 'Launch plan'), (2, 'Design review'), (3, 'Support rota');
INSERT INTO messages (conversation_id, author, body, sent_at) VALUES
    (1, 'Ada', 'Are we on track for Monday?', '2026-11-25 09:02'),
    (1, 'Grace', 'Yes, the last checks run tonight.', '2026-11-25 09:05'),
    (2, 'Edsger', 'The nav needs one more pass.', '2026-11-24 15:40'),
    (3, 'Grace', 'I can take Thursday.', '2026-11-23 10:12');
