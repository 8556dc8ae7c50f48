"""The Whoosh index: a derived cache of the database that can always be rebuilt.

The configured SEARCH_INDEX_DIR is a symlink to the live index folder, so `rebuild` can build
a fresh index beside it and swap it in with one atomic rename while searches go on.
"""
import logging
import os
import shutil
import threading
import time
from datetime import datetime, timezone
from itertools import chain, islice

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError

from keren.search.analysis import analyzer

log = logging.getLogger(__name__)

WRITE_LOCK_TIMEOUT = 10  # seconds a writer waits for another process's lock
PARALLEL_FROM = 2000     # documents from which a rebuild uses two processes
REBUILD_LIMIT_MB = 256   # posting pool of each rebuild process before it spills to disk


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
                # Without mmap: whoosh-reloaded 2.7.5 copies each mmapped part of a compound
                # segment into a BytesIO (filedb/structfile.py BufferFile), about 50 MB per
                # searcher at 10,000 offerings; plain file reads are as fast and cost nothing.
                storage = FileStorage(target, supports_mmap=False)
                self._index = storage.open_index(schema=self.schema)
                self._index_target = target
            return self._index

    # --- reading -------------------------------------------------------------------------

    def searcher(self):
        """A long-lived searcher for this thread, replaced when the index has changed.

        Not cached.refresh(): whoosh-reloaded 2.7.5 merges the old reader's segments into the
        new one (index.py _reader, "Merge segments with reuse segments"), so a refreshed
        searcher still counts deleted documents. A fresh one is correct. The searcher closes
        its files when replaced or when its thread ends (_Held.__del__)."""
        self.open()
        held = getattr(self._local, "held", None)
        if held is not None and held.target == self._index_target and held.searcher.up_to_date():
            return held.searcher
        self._local.held = _Held(self._index.searcher(), self._index_target)
        return self._local.held.searcher

    def stored_stamps(self):
        """{key: stamp} of every document in the live index."""
        with self.open().searcher() as searcher:
            return {fields["key"]: fields.get("stamp") for fields in searcher.all_stored_fields()}

    # --- writing -------------------------------------------------------------------------

    def write(self, changes, *, timeout=WRITE_LOCK_TIMEOUT, hold=0):
        """Apply {key: document or None}. Raises whoosh.index.LockError after `timeout`.

        `hold` keeps the lock that many seconds longer: a test-only switch that makes
        writers collide."""
        if not changes:
            return
        writer = self.open().writer(timeout=timeout)
        try:
            if hold:
                time.sleep(hold)
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
        try:
            count = self._fill(whoosh_index.create_in(folder, self.schema), documents)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        previous = self._point_to(folder)
        if previous and os.path.isdir(previous) and previous != folder:
            # Open searchers keep their files (POSIX); new ones open the fresh folder.
            shutil.rmtree(previous, ignore_errors=True)
        return count

    @staticmethod
    def _fill(fresh, documents):
        """Index `documents` into the empty index `fresh`; return their count. From
        PARALLEL_FROM documents on, two processes analyse and write a segment each (half the
        time on two cores); fewer are quicker in this one."""
        documents = iter(documents)
        head = list(islice(documents, PARALLEL_FROM))
        parallel = len(head) == PARALLEL_FROM and (os.cpu_count() or 1) > 1
        if parallel:
            writer = fresh.writer(procs=2, multisegment=True, limitmb=REBUILD_LIMIT_MB)
        else:
            writer = fresh.writer(limitmb=REBUILD_LIMIT_MB)
        count = 0
        try:
            for doc in chain(head, documents):
                writer.add_document(**to_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        indexed = fresh.doc_count_all()
        if indexed != count:  # a lost worker process: never swap in a partial index
            raise RuntimeError(f"rebuild indexed {indexed} of {count} documents")
        return count


class _Held:
    """A thread's searcher; closing it with its holder releases the segment files at once."""

    def __init__(self, searcher, target):
        self.searcher = searcher
        self.target = target

    def __del__(self):
        try:
            self.searcher.close()
        except Exception:  # the interpreter may be shutting down
            pass


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
