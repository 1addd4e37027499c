"""The catalogue: the products, read-only."""

from __future__ import annotations

from .common import Reply, serve

PRODUCTS = [
    {"id": "p1", "name": "Espresso beans 1 kg", "price_cents": 1890},
    {"id": "p2", "name": "Ceramic mug", "price_cents": 950},
    {"id": "p3", "name": "Hand grinder", "price_cents": 4900},
    {"id": "p4", "name": "Pour-over kettle", "price_cents": 3500},
    {"id": "p5", "name": "Paper filters (100)", "price_cents": 490},
]
BY_ID = {p["id"]: p for p in PRODUCTS}


def list_products(body: object) -> Reply:
    return 200, PRODUCTS


def get_product(body: object, pid: str) -> Reply:
    product = BY_ID.get(pid)
    return (200, product) if product else (404, {"error": "no such product"})


if __name__ == "__main__":
    serve([("GET", "/products", list_products), ("GET", r"/products/([^/]+)", get_product)])
