"""The search index as a derived cache of the database (service level, no HTTP)."""
import logging
import multiprocessing
import os

import pytest

from keren.extensions import db
from keren.models import Role
from keren.search import analysis
from keren.search.documents import document_for
from keren.search.index import get_index
from keren.search.query import SearchParams, search
from keren.search.service import verify
from keren.services import kampung as kampung_service, moderation, offerings
from tests import search_workers
from tests.conftest import TINALAN


def found(app, q, **filters):
    result = search(app.config, SearchParams(q=q, **filters))
    return [h.item.title if h.kind == "offering" else h.item.name for h in result.hits]


def test_word_families_and_synonyms_meet_in_one_term():
    assert analysis.terms("berwisata") == analysis.terms("wisata") == ["wisata"]
    assert analysis.terms("perdagangan pedagang") == ["dagang", "dagang"]
    assert analysis.terms("menenun tenunan") == ["tenun", "tenun"]
    assert analysis.terms("pariwisata wisatawan") == ["wisata", "wisata"]
    assert analysis.terms("kerajinan perajin pengrajin") == ["kerajinan"] * 3
    assert analysis.terms("tofu weaving betta") == ["tahu", "tenun", "cupang"]
    assert analysis.terms("Setono Gedong") == analysis.terms("Setonogedong") == ["setonogedong"]


def test_hyphenated_words_and_site_vocabulary_survive_analysis():
    assert analysis.terms("oleh-oleh kupu-kupu") == ["oleh-oleh", "kupu-kupu"]
    assert analysis.terms("oleh2") == ["oleh-oleh"]
    # Sastrawi's list would drop these; on this site they name products, places, activities.
    assert analysis.terms("tahu tempat mata air naik perahu") == \
        ["tahu", "tempat", "mata", "air", "naik", "perahu"]
    assert analysis.terms("yang dan di ke dari") == []
    assert analysis.terms("Kampung Tahu Tinalan Kediri") == ["kampung", "tahu", "tinalan", "kediri"]


def test_instance_synonyms_extend_the_table(tmp_path):
    extra = tmp_path / "search-synonyms.csv"
    extra.write_text("term,canonical\nbean sprouts,tauge\n", encoding="utf-8")
    assert analysis.terms("bean sprouts", [extra]) == ["tauge"]


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "hidden", "archived"])
def test_only_published_offerings_of_published_kampung_have_a_document(
        status, make_kampung, make_offering):
    kampung = make_kampung()
    assert document_for(make_offering(kampung, status=status)) is None
    assert document_for(make_offering(kampung, status="published"))["kind"] == "offering"
    assert document_for(make_kampung(status="pending")) is None


def test_a_published_offering_is_searchable_after_commit(app, make_kampung, make_offering):
    kampung = make_kampung(name="Kampung Jamu Uji")
    make_offering(kampung, title="Jamu Kunyit Asam Segar", pillar="dagang")
    assert "Jamu Kunyit Asam Segar" in found(app, "jamu")
    assert "Kampung Jamu Uji" in found(app, "jamu")


def test_rollback_leaves_index_untouched(app, make_kampung, make_offering, make_user):
    kampung = make_kampung()
    offering = make_offering(kampung, title="Batik Tulis Rahasia", status="pending")
    admin = make_user(role=Role.CITY_ADMIN)
    moderation.approve(offering, moderator=admin)
    db.session.flush()
    db.session.rollback()
    assert found(app, "batik") == []
    assert verify(app.config) == ([], [], [])


@pytest.mark.parametrize("action", ["hide", "archive", "hide_kampung"])
def test_hidden_or_archived_items_leave_results_and_facets(app, action, make_kampung,
                                                           make_offering, make_user):
    kampung = make_kampung(name="Kampung Cupang Uji")
    offering = make_offering(kampung, title="Cupang Halfmoon", pillar="dagang")
    assert search(app.config, SearchParams(q="cupang")).facets["pillar"].get("dagang") == 1
    admin = make_user(role=Role.CITY_ADMIN)
    if action == "hide":
        moderation.hide(offering, moderator=admin, reason="Diperiksa")
    elif action == "archive":
        offerings.archive_offering(offering, actor=kampung.members[0].user)
    else:
        moderation.hide(kampung, moderator=admin, reason="Diperiksa")
    db.session.commit()
    result = search(app.config, SearchParams(q="cupang"))
    assert "Cupang Halfmoon" not in [h.item.title for h in result.hits if h.kind == "offering"]
    assert result.facets["pillar"].get("dagang") is None


def test_kampung_rename_reaches_its_offerings_documents(app, make_kampung, make_offering):
    kampung = make_kampung(name="Kampung Lama")
    make_offering(kampung, title="Keripik Singkong")
    kampung_service.update_kampung(kampung, actor=kampung.members[0].user,
                                   name="Kampung Singkong Baru")
    db.session.commit()
    assert "Keripik Singkong" in found(app, "kampung singkong baru")


def test_malformed_queries_get_an_answer_not_an_error(app, make_kampung, make_offering):
    make_offering(make_kampung(), title="Tenun Ikat Katun")
    for text in ['NOT OR foobar', 'NOT NOT NOT', '"tenun', '((tenun', 'title:tenun', 'tenun)',
                 '*', '?', 'AND', 'x' * 10_000, '\x00tenun\x1f', 'тенун 🧵', '[a TO z]', 'a^3']:
        search(app.config, SearchParams(q=text))
    assert "Tenun Ikat Katun" in found(app, '"tenun')


def test_did_you_mean_corrects_misspellings(app, make_kampung, make_offering):
    make_offering(make_kampung(), title="Kain Tenun Ikat", description="Kuliner dan kain.")
    assert search(app.config, SearchParams(q="tenum")).suggestion == "tenun"
    assert search(app.config, SearchParams(q="kulinar")).suggestion == "kuliner"
    assert search(app.config, SearchParams(q="tenun")).suggestion is None


def test_verify_finds_drift_and_repair_fixes_it(app, make_kampung, make_offering):
    runner = app.test_cli_runner()
    kampung = make_kampung()
    offering = make_offering(kampung, title="Sirup Telang")
    index = get_index(app.config)
    index.write({f"offering:{offering.id}": None, "offering:999999": {
        **document_for(offering), "id": 999999, "key": "offering:999999"}})
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1
    assert f"missing: offering:{offering.id}" in result.output
    assert "extra: offering:999999" in result.output
    result = runner.invoke(args=["search", "verify", "--repair"])
    assert result.exit_code == 0 and "Repaired 2" in result.output
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    assert "Sirup Telang" in found(app, "telang")


def test_rebuild_swaps_in_a_fresh_index_while_searches_go_on(app, make_kampung, make_offering):
    make_offering(make_kampung(), title="Pecut Samandiman")
    before = get_index(app.config).searcher()   # a searcher open on the old folder
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "2 documents" in result.output
    assert before.doc_count() == 2       # the old searcher still answers after the swap
    assert "Pecut Samandiman" in found(app, "pecut")
    assert os.path.islink(app.config["SEARCH_INDEX_DIR"])


def test_a_failed_index_write_is_logged_retried_and_never_fails_the_commit(
        app, make_kampung, make_offering, caplog, monkeypatch):
    caplog.set_level(logging.ERROR, logger="keren.search.sync")
    kampung = make_kampung()
    index = get_index(app.config)
    real_write = index.write
    monkeypatch.setattr(index, "write", lambda *a, **k: (_ for _ in ()).throw(OSError("disk")))
    make_offering(kampung, title="Tahu Takwa Gagal")        # commits; the write fails
    assert "search index write failed" in caplog.text
    assert found(app, "takwa") == []
    monkeypatch.setattr(index, "write", real_write)
    make_offering(kampung, title="Stik Tahu Berhasil")       # the next write retries the first
    assert {"Tahu Takwa Gagal", "Stik Tahu Berhasil"} <= set(found(app, "tahu"))


def _publish_concurrently(app, database_url, make_kampung, make_user, *, lock_timeout, hold):
    kampung = make_kampung(kelurahan=TINALAN)
    admin = make_user(role=Role.CITY_ADMIN)
    db.session.commit()
    get_index(app.config).create_empty()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(4), context.Queue()
    titles = [[f"Produk Serentak {p} {i}" for i in range(6)] for p in range(4)]
    workers = [context.Process(target=search_workers.publish, args=(
        database_url, str(app.instance_path), kampung.id, admin.id, titles[p], lock_timeout,
        hold, barrier, results)) for p in range(4)]
    for worker in workers:
        worker.start()
    failures = sum(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    expected = {t for group in titles for t in group}
    stored = get_index(app.config).stored_stamps()
    return failures, expected, stored


def test_several_processes_publishing_at_once_lose_nothing(app, database_url, make_kampung,
                                                           make_user):
    failures, expected, stored = _publish_concurrently(
        app, database_url, make_kampung, make_user, lock_timeout=10, hold=0.02)
    assert failures == 0
    assert len([k for k in stored if k.startswith("offering:")]) == len(expected)
    db.session.rollback()   # read what the workers committed
    assert verify(app.config) == ([], [], [])


def test_negative_control_without_a_lock_timeout_writers_collide(app, database_url,
                                                                  make_kampung, make_user):
    failures, expected, stored = _publish_concurrently(
        app, database_url, make_kampung, make_user, lock_timeout=0, hold=0.05)
    assert failures > 0      # the harness sees the collisions the timeout prevents
