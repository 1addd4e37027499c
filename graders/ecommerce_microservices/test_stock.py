"""stock: an order takes its quantity off the product's stock; one for more than is left
gets 409 and changes nothing."""

from __future__ import annotations

from kata.testing import GradedApp, expect, requirement

from ._client import Shop, check_order


@requirement("stock")
def test_an_order_reduces_the_stock_and_too_large_an_order_is_refused(app: GradedApp) -> None:
    shop = Shop(app)
    pid = shop.product("stock")
    shop.set_stock(pid, 7)
    check_order(shop.order(pid, 3), pid, 3)
    left = shop.stock(pid, why="after an order of 3 from 7")
    assert left == 4, (
        f"GET /stock/{pid}: 7 in stock, then an order of 3 → expected 4 left, got {left}")
    r = shop.order(pid, 5)
    expect(r, 409, why="an order of 5 with 4 left")
    left = shop.stock(pid, why="after an order refused for lack of stock")
    assert left == 4, (f"GET /stock/{pid}: an order of 5 with 4 left was refused → expected the "
                       f"stock to stay 4, got {left}")
    check_order(shop.order(pid, 4), pid, 4)
    assert shop.stock(pid) == 0, f"GET /stock/{pid}: the last 4 ordered → expected 0 left"
    expect(shop.order(pid, 1), 409, why="an order with nothing left")
