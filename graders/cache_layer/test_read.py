"""read: GET /products/{id} answers the upstream's record in the asked currency."""

from __future__ import annotations

from kata.testing import requirement

from ._client import PRODUCTS, Api, expect


@requirement("read", basic=True)  # what the requirements that need read use
def test_a_product_is_the_upstream_s_record(api: Api) -> None:
    pid = api.cold()
    api.check_record(api.get(pid), pid, "USD", why="no currency: USD")


@requirement("read")
def test_each_currency_is_the_upstream_s_record_in_it(api: Api) -> None:
    for currency in ("EUR", "GBP", "USD"):
        pid = api.cold()  # a product of its own: this is no check of the cache key
        api.check_record(api.get(pid, currency), pid, currency)


@requirement("read")
def test_an_unknown_product_is_404(api: Api) -> None:
    missing = PRODUCTS + 1 + api.rng.randrange(100_000)
    expect(api.get(missing), 404, why=f"the upstream has products 1 to {PRODUCTS} and "
                                      f"answers 404 for {missing}")
