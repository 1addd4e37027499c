"""routing: the gateway sends /products to the catalogue, /carts to the cart service and
/orders to the order service, and passes their answers (2xx, 404, 422) back."""

from __future__ import annotations

from kata.testing import GradedApp, expect, json_of, requirement, said

from ._client import Shop, check_order


@requirement("routing", basic=True)
def test_the_catalogue_lists_products_through_the_gateway(app: GradedApp) -> None:
    shop = Shop(app)
    ids = shop.product_ids()
    r = app.http.get(f"/products/{ids[0]}")
    expect(r, 200, why="a product the list named")
    body = json_of(r)
    assert isinstance(body, dict) and body.get("id") == ids[0], (
        f"{said(r)} → expected the product {ids[0]!r}, got {r.text[:200]}")
    expect(app.http.get("/products/no-such-product-kata"), 404, why="an unknown product")


@requirement("routing")
def test_a_cart_is_created_filled_and_read_through_the_gateway(app: GradedApp) -> None:
    shop = Shop(app)
    pid = shop.product("cart")
    r = app.http.post("/carts")
    expect(r, 201, why="a new cart")
    cart = json_of(r)
    cid = cart.get("id") if isinstance(cart, dict) else None
    assert isinstance(cid, str) and cid, (
        f"{said(r)} → expected {{\"id\": <string>, \"items\": []}}, got {r.text[:200]}")
    for _ in range(2):
        r = app.http.post(f"/carts/{cid}/items", json={"product_id": pid, "quantity": 2})
        expect(r, 200, 201, why="adding a product of the catalogue")
    r = app.http.get(f"/carts/{cid}")
    expect(r, 200, why="the cart just filled")
    body = json_of(r)
    items = body.get("items") if isinstance(body, dict) else None
    want = [{"product_id": pid, "quantity": 4}]
    got = [{"product_id": i.get("product_id"), "quantity": i.get("quantity")}
           for i in items if isinstance(i, dict)] if isinstance(items, list) else None
    assert got == want, (f"{said(r)} after adding 2 × {pid} twice → expected items {want}, "
                         f"got {r.text[:200]}")
    r = app.http.post(f"/carts/{cid}/items", json={"product_id": pid, "quantity": 0})
    expect(r, 422, why="a quantity of 0")
    expect(app.http.get("/carts/no-such-cart-kata"), 404, why="an unknown cart")


@requirement("routing")
def test_an_order_is_placed_and_read_through_the_gateway(app: GradedApp) -> None:
    shop = Shop(app)
    pid = shop.product("order")
    shop.set_stock(pid, 50)
    order = check_order(shop.order(pid, 1), pid, 1)
    r = app.http.get(f"/orders/{order['id']}")
    expect(r, 200, why="the order just placed")
    body = json_of(r)
    assert isinstance(body, dict) and body.get("id") == order["id"] \
        and body.get("product_id") == pid, (
            f"{said(r)} → expected the order {order['id']!r} for {pid!r}, got {r.text[:200]}")
    expect(app.http.get("/orders/no-such-order-kata"), 404, why="an unknown order")
    expect(app.http.post("/orders", json={"product_id": pid, "quantity": "two"}), 422,
           why="a quantity that is not an integer")
