"""Text analysis for Bahasa Indonesia: tokens that keep hyphenated words, a curated stopword
list, PySastrawi stemming behind a bounded cache, and a synonym/alias table kept as data."""
import csv
import re
from functools import lru_cache
from pathlib import Path

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory
from whoosh.analysis import Token, Tokenizer

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SYNONYMS_CSV = DATA_DIR / "search-synonyms.csv"
KELURAHAN_CSV = DATA_DIR / "kediri-kelurahan.csv"

# Words of Sastrawi's stopword list that name a product, a place or an activity on this site
# (tahu is tofu, mata air a spring, naik perahu a boat ride ...): they stay searchable.
KEEP = {
    "tahu", "tempat", "mata", "rasa", "naik", "kerja", "bekerja", "buat", "membuat", "dibuat",
    "hari", "bulan", "baru", "lama", "enak", "besar", "kecil", "panjang", "dekat", "jauh",
    "depan", "belakang", "luar", "masuk", "keluar", "datang", "awal", "akhir", "asal", "satu",
    "dua", "tiga", "empat", "lima", "pertama", "kedua", "ibu", "bapak", "pak", "bung", "khusus",
    "sekolah", "pasti", "siap", "jalan", "cara", "lihat", "melihat", "belajar", "air", "bersama",
    "setempat", "penting", "tanya", "jawab", "macam", "sama", "biasa", "bagian", "keadaan",
}
STOPWORDS = frozenset(StopWordRemoverFactory().get_stop_words()) - KEEP

TOKEN = re.compile(r"\w+(?:-\w+)*", re.UNICODE)
# Informal reduplication: oleh2 -> oleh-oleh, kupu2 -> kupu-kupu.
REDUPLICATED = re.compile(r"^([^\W\d_]{2,})2$", re.UNICODE)
MAX_TOKEN = 40

_stemmer = StemmerFactory().create_stemmer()
_raw_stem = getattr(_stemmer, "delegatedStemmer", _stemmer).stem


@lru_cache(maxsize=100_000)
def stem(word):
    """The Sastrawi root of one lower-case word (hyphenated and numeric words stay as they are)."""
    if "-" in word or not word.isalpha():
        return word
    return _raw_stem(word) or word


def _squash(text):
    return re.sub(r"[^\w]+", "", text.lower())


def load_synonyms(paths=()):
    """{term: canonical}, terms lower-cased; multi-word terms are phrases."""
    table = {}
    for path in (SYNONYMS_CSV, *paths):
        path = Path(path)
        if not path.exists():
            continue
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if not row or row[0].startswith("#") or row[0] == "term" or len(row) < 2:
                    continue
                term, canonical = " ".join(row[0].lower().split()), row[1].strip().lower()
                if term and canonical:
                    table[term] = canonical
    # Kelurahan and kecamatan names and the other spellings people use all lead to one token,
    # which is never stemmed (the stemmer would make "Tinalan" "tal" and "Kediri" "diri").
    for name in ("kediri", "mojoroto", "pesantren"):
        table[name] = name
    with open(KELURAHAN_CSV, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            canonical = _squash(row["kelurahan"])
            for spelling in [row["kelurahan"], *row["aliases"].split(";")]:
                spelling = " ".join(re.sub(r"[^\w]+", " ", spelling.lower()).split())
                if spelling:
                    table[spelling] = canonical
    return table


class Vocabulary:
    """The synonym table split for fast use: phrases (matched in text) and single words."""

    def __init__(self, table):
        self.words = {t: c for t, c in table.items() if " " not in t}
        phrases = sorted((t for t in table if " " in t), key=len, reverse=True)
        self.phrases = {t: table[t] for t in phrases}
        self.phrase_re = re.compile(
            r"\b(" + "|".join(r"[\W_]+".join(map(re.escape, p.split())) for p in phrases) + r")\b",
            re.UNICODE) if phrases else None

    def canonical(self, word):
        return self.words.get(word)


class IndonesianTokenizer(Tokenizer):
    """Tokens of Indonesian text, already normalised: lower case, stopwords out, stemmed,
    synonyms mapped. At index time a known phrase ("Setono Gedong") adds its canonical token
    beside its words; in a query the phrase becomes that one token."""

    def __init__(self, vocabulary, *, stemming=True):
        self.vocabulary = vocabulary
        self.stemming = stemming

    def __eq__(self, other):
        return type(self) is type(other) and self.stemming == other.stemming

    def _words(self, text, mode):
        text = text.lower()
        vocabulary = self.vocabulary
        if vocabulary.phrase_re is not None:
            def replace(match):
                canonical = vocabulary.phrases[" ".join(re.sub(r"[\W_]+", " ", match.group(1)).split())]
                return match.group(1) + " " + canonical if mode == "index" else canonical
            text = vocabulary.phrase_re.sub(replace, text)
        for match in TOKEN.finditer(text):
            word = match.group(0).strip("_")[:MAX_TOKEN]
            if not word:
                continue
            reduplicated = REDUPLICATED.match(word)
            if reduplicated:
                word = f"{reduplicated.group(1)}-{reduplicated.group(1)}"
            yield word, match.start(), match.end()

    def normalise(self, word):
        """One word as it is indexed, or None for a stopword."""
        canonical = self.vocabulary.canonical(word)
        if canonical is not None:
            return canonical
        if word in STOPWORDS:
            return None
        if not self.stemming:
            return word
        root = stem(word)
        return self.vocabulary.canonical(root) or root

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        words = self._words(value, mode) if tokenize else [(value.lower(), 0, len(value))]
        for word, start, end in words:
            text = self.normalise(word)
            if text is None:
                continue
            for part in text.split():  # a synonym may be a phrase ("rumah kaca")
                token.text = part
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = word
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + start
                    token.endchar = start_char + end
                yield token


@lru_cache(maxsize=4)
def _vocabulary(extra_paths):
    return Vocabulary(load_synonyms(extra_paths))


def analyzer(extra_synonym_paths=(), *, stemming=True):
    """The Whoosh analyzer for Indonesian text (stemming off for the "did you mean" field)."""
    tokenizer = IndonesianTokenizer(_vocabulary(tuple(str(p) for p in extra_synonym_paths)),
                                    stemming=stemming)
    return tokenizer


def terms(text, extra_synonym_paths=(), *, stemming=True):
    """The indexed terms of `text` (for tests and the FTS5 baseline)."""
    return [t.text for t in analyzer(extra_synonym_paths, stemming=stemming)(text, mode="query")]

