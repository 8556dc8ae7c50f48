"""Shared by every browser journey."""
import pytest


@pytest.fixture(autouse=True)
def every_asset_loads(page):
    """Fail a journey when a stylesheet, icon or script of the site fails to load, or a
    script throws: the pages themselves may answer 404 or 422, their assets may not.

    A request the browser cancels because the page moved on (`net::ERR_ABORTED`, typically
    the favicon of a page the journey has just left) is not a broken asset: a real failure
    of the same asset shows on the next page, which loads it again."""
    broken = []
    page.on("response", lambda r: broken.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED"
            else broken.append(f"failed {r.url}: {r.failure}"))
    page.on("pageerror", lambda exc: broken.append(f"script error: {exc}"))
    yield
    assert not broken, "assets or scripts failed:\n" + "\n".join(broken)
