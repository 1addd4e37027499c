-- The inventory service's table; every product of the catalogue starts with 100 in stock.
CREATE TABLE stock (
    product_id text PRIMARY KEY,
    quantity   integer NOT NULL CHECK (quantity >= 0)
);
INSERT INTO stock (product_id, quantity) VALUES
    ('p1', 100), ('p2', 100), ('p3', 100), ('p4', 100), ('p5', 100);
