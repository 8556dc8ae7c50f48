"""The Whoosh index: a derived cache of the database that can always be rebuilt.

The configured SEARCH_INDEX_DIR is a symlink to the live index folder, so `rebuild` can build
a fresh index beside it and swap it in with one atomic rename while searches go on.
"""
import logging
import os
import shutil
import threading
from datetime import datetime, timezone

from whoosh import index as whoosh_index
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError

from keren.search.analysis import analyzer

log = logging.getLogger(__name__)

WRITE_LOCK_TIMEOUT = 10  # seconds a writer waits for another process's lock


def make_schema(extra_synonym_paths=()):
    text = analyzer(extra_synonym_paths)
    return Schema(
        key=ID(unique=True, stored=True),
        kind=ID(stored=True, sortable=True),
        id=STORED(),
        title=TEXT(analyzer=text, field_boost=3.0, stored=True),
        content=TEXT(analyzer=text, stored=True, chars=True),
        # Words as typed (not stemmed), for "did you mean".
        spell=TEXT(analyzer=analyzer(extra_synonym_paths, stemming=False), spelling=True),
        pillar=ID(stored=True, sortable=True),
        kecamatan=ID(stored=True, sortable=True),
        kelurahan=ID(stored=True, sortable=True),
        price=NUMERIC(stored=True, sortable=True, bits=64),
        published=NUMERIC(stored=True, sortable=True, bits=64),
        bookable=BOOLEAN(stored=True),
        stamp=STORED(),
    )


def to_fields(doc):
    """A document dict as Whoosh fields (None values left out)."""
    fields = {k: v for k, v in doc.items() if v is not None and k != "summary"}
    fields["spell"] = f"{doc['title']}\n{doc['content']}"
    return fields


class SearchIndex:
    """One index location, shared by the threads of one process."""

    def __init__(self, path, extra_synonym_paths=()):
        self.path = os.path.abspath(path)
        self.schema = make_schema(extra_synonym_paths)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index = None
        self._index_target = None

    # --- location ------------------------------------------------------------------------

    def _target(self):
        return os.path.realpath(self.path)

    def exists(self):
        target = self._target()
        return os.path.isdir(target) and whoosh_index.exists_in(target)

    def _new_folder(self):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        folder = f"{self.path}-{stamp}"
        os.makedirs(folder)
        return folder

    def _point_to(self, folder):
        """Swap the symlink to `folder` atomically; return the folder it pointed to before."""
        previous = self._target() if os.path.islink(self.path) else None
        if os.path.isdir(self.path) and not os.path.islink(self.path):
            # An index folder from before symlinks: move it aside, then link.
            previous = self._new_folder()
            os.rmdir(previous)
            os.rename(self.path, previous)
        temporary = f"{self.path}.swap-{os.getpid()}-{threading.get_ident()}"
        os.symlink(os.path.basename(folder), temporary)
        os.replace(temporary, self.path)
        return previous

    def create_empty(self):
        """Create an empty index when there is none (never touches an existing one)."""
        if self.exists():
            return
        folder = self._new_folder()
        whoosh_index.create_in(folder, self.schema)
        self._point_to(folder)

    def open(self):
        """The live index (re-opened when a rebuild swapped the folder)."""
        target = self._target()
        with self._lock:
            if self._index is None or self._index_target != target:
                if not whoosh_index.exists_in(target):
                    self.create_empty()
                    target = self._target()
                self._index = whoosh_index.open_dir(target, schema=self.schema)
                self._index_target = target
            return self._index

    # --- reading -------------------------------------------------------------------------

    def searcher(self):
        """A long-lived searcher for this thread, refreshed when the index has changed."""
        ix = self.open()
        cached = getattr(self._local, "searcher", None)
        if cached is not None and getattr(self._local, "target", None) == self._index_target:
            if not cached.up_to_date():
                cached = cached.refresh()
                self._local.searcher = cached
            return cached
        if cached is not None:
            cached.close()
        self._local.searcher = ix.searcher()
        self._local.target = self._index_target
        return self._local.searcher

    def stored_stamps(self):
        """{key: stamp} of every document in the live index."""
        with self.open().searcher() as searcher:
            return {fields["key"]: fields.get("stamp") for fields in searcher.all_stored_fields()}

    # --- writing -------------------------------------------------------------------------

    def write(self, changes, *, timeout=WRITE_LOCK_TIMEOUT):
        """Apply {key: document or None}. Raises whoosh.index.LockError after `timeout`."""
        if not changes:
            return
        writer = self.open().writer(timeout=timeout)
        try:
            for key, doc in changes.items():
                if doc is None:
                    writer.delete_by_term("key", key)
                else:
                    writer.update_document(**to_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents):
        """Build a fresh index from `documents` beside the live one and swap it in."""
        folder = self._new_folder()
        fresh = whoosh_index.create_in(folder, self.schema)
        writer = fresh.writer(limitmb=128)
        count = 0
        for doc in documents:
            writer.add_document(**to_fields(doc))
            count += 1
        writer.commit()
        previous = self._point_to(folder)
        if previous and os.path.isdir(previous) and previous != folder:
            # Open searchers keep their files (POSIX); new ones open the fresh folder.
            shutil.rmtree(previous, ignore_errors=True)
        return count


_indexes = {}
_indexes_lock = threading.Lock()


def get_index(config):
    """The SearchIndex of this app's configuration, one per process."""
    path = config["SEARCH_INDEX_DIR"]
    extra = tuple(p for p in [config.get("SEARCH_SYNONYMS_FILE")] if p)
    with _indexes_lock:
        if (path, extra) not in _indexes:
            _indexes[(path, extra)] = SearchIndex(path, extra)
        return _indexes[(path, extra)]


__all__ = ["LockError", "SearchIndex", "get_index", "make_schema"]
