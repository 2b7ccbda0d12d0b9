-- The app example's schema (examples/app): the seed's four real-world pages.

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE news (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    title TEXT NOT NULL,
    published_at TEXT NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE transactions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    description TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    booked_at TEXT NOT NULL
);

CREATE INDEX transactions_booked_at ON transactions (booked_at);
