"""axe-core (bundled with axe-playwright-python, so it runs offline) for the browser tests."""
from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = ("serious", "critical")

_axe = Axe()


def _describe(violation):
    nodes = "\n".join(
        f"      {' '.join(map(str, node['target']))}: "
        + node.get("failureSummary", "").strip().replace("\n", "\n        ")
        for node in violation["nodes"][:5])
    return (f"  [{violation['impact']}] {violation['id']}: {violation['help']}\n"
            f"    {violation['helpUrl']}\n{nodes}")


def assert_accessible(page, what):
    """Fail when axe finds a serious or critical violation on the page as it is now."""
    violations = _axe.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (f"axe found {len(blocking)} serious/critical violation(s) on {what} "
                          f"({page.url}):\n" + "\n".join(_describe(v) for v in blocking))
