-- The app example's categories and products.

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    name TEXT NOT NULL,
    price_cents INTEGER NOT NULL
);

INSERT INTO categories (id, slug, name) VALUES (1, 'desks', 'Desks'), (2, 'chairs', 'Chairs'), (3, 'lamps', 'Lamps');
INSERT INTO products (category_id, name, price_cents) VALUES
    (1, 'Standing desk', 54900), (1, 'Writing desk', 21900), (1, 'Corner desk', 32900),
    (2, 'Task chair', 18900), (2, 'Stool', 4900),
    (3, 'Desk lamp', 3900), (3, 'Floor lamp', 8900);
