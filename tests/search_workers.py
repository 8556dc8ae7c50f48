"""A publishing worker for the multi-process search test (run in a spawned process)."""
import logging


class _Counter(logging.Handler):
    def __init__(self):
        super().__init__()
        self.failures = 0

    def emit(self, record):
        if "search index write failed" in record.getMessage():
            self.failures += 1


def publish(database_url, instance, kampung_id, admin_id, titles, lock_timeout, hold, barrier,
            results):
    """Create, submit and approve offerings, each committed on its own; report failures."""
    from keren import create_app
    from keren.db_setup import write_transaction
    from keren.extensions import db
    from keren.models import Kampung, User
    from keren.services import moderation, offerings
    from tests.conftest import base_config
    from pathlib import Path

    counter = _Counter()
    logging.getLogger("keren.search.sync").addHandler(counter)
    config = {**base_config(database_url, Path(instance)), "SEARCH_WRITE_LOCK_TIMEOUT": lock_timeout,
              "SEARCH_TEST_WRITE_HOLD": hold}
    app = create_app(config, instance_path=instance)
    with app.app_context():
        barrier.wait(timeout=60)
        for title in titles:
            with write_transaction():
                kampung = db.session.get(Kampung, kampung_id)
                admin = db.session.get(User, admin_id)
                owner = kampung.members[0].user
                offering = offerings.create_offering(
                    kampung, actor=owner, pillar="dagang", title=title,
                    summary="Produk uji", description="Dibuat untuk uji pencarian.")
                offerings.submit_offering(offering, actor=owner)
                moderation.approve(offering, moderator=admin)
                db.session.commit()
        db.engine.dispose()
    results.put(counter.failures)
