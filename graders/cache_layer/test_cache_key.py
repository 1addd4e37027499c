"""cache-key: each currency of a product is its own cache entry."""

from __future__ import annotations

from kata.testing import requirement

from ._client import CURRENCIES, Api


@requirement("cache-key")
def test_every_currency_of_one_product_answers_in_its_own(api: Api) -> None:
    pid = api.cold()
    for rounds in ("first", "second"):  # the second round is answered from the cache
        for currency in CURRENCIES:
            api.check_record(api.get(pid, currency), pid, currency,
                             why=f"the {rounds} GET of product {pid} in each of "
                                 f"{', '.join(CURRENCIES)}, in turn")
    # no currency is USD: the same entry's answer
    api.check_record(api.get(pid), pid, "USD", why="no currency after the three: USD")
