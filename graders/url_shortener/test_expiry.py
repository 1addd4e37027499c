"""expiry: a link with expires_in redirects until then, and answers 410 after."""

from __future__ import annotations

import time

from kata.testing import GradedApp, expect, requirement

from ._client import Api, answered, expect_detail

EXPIRES_IN = 2
SLACK_S = 1.5  # after the expiry, on kata's clock: the request and the clocks' drift


@requirement("expiry")
def test_an_expired_link_answers_410(app: GradedApp, api: Api) -> None:
    before = time.monotonic()
    code = api.create(expires_in=EXPIRES_IN)["code"]
    forever = api.create()["code"]
    answered(api.follow(code), why=f"expires_in {EXPIRES_IN}, GET at once")
    answered(api.follow(code), why=f"expires_in {EXPIRES_IN}, GET at once, again")
    time.sleep(max(0.0, before + EXPIRES_IN + SLACK_S - time.monotonic()))
    expect_detail(api.follow(code), 410, why=f"expires_in {EXPIRES_IN}, "
                                             f"{EXPIRES_IN + SLACK_S:g} s later")
    answered(api.follow(forever), why="a link without expires_in never expires")
    expect(api.stats(code), 200, why="the stats of an expired link stay readable")
