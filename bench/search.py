"""Search benchmark: the Whoosh engine against SQLite FTS5 fed the same analysis.

    .venv/bin/python bench/search.py [--n 10000] [--queries 300] [--e2e-n 500]

Generates a deterministic Indonesian corpus of N offerings (plus their kampung profiles) in the
shape of keren.search.documents.document_for, then measures in one run:

- rebuild: SearchIndex.rebuild over the N documents;
- query latency p50/p95 over a mixed query set (single words, two words, "phrases", filtered
  by pillar/kecamatan/kelurahan/price, page 3, sorted by price or date, browsing by filter)
  through keren.search.query.find, the engine half of query.search that the site calls, with
  the long-lived per-thread searcher the site uses: "cold" (each distinct query once on the
  fresh searcher of the new index, every cache empty, as after each index change) and "warm"
  (--rounds passes over the whole set afterwards), Whoosh and FTS5 interleaved query by query;
- that find() gives the same answers (totals, facets, hits, snippets, suggestion) as the same
  search through Whoosh's own collectors, on a sample of the distinct queries (--verify);
- the same queries through SQLite FTS5 over the same analysed terms (terms ANDed, phrases as
  FTS5 phrases, filters in SQL, bm25 with the same title boost, LIMIT/OFFSET paging, facet
  counts with GROUP BY over the matched set, snippet() for the page), and the ratios;
- publish-to-searchable: SearchIndex.write of a new document, then fresh searches until it is
  found;
- memory: VmRSS/VmHWM of a worker-like process (the Flask app, the index, the query set run),
  and of this benchmark process (which also holds the corpus and the FTS5 database);
- end to end for a small N (500): create_app on a temporary SQLite database, migrations,
  kampung and offerings inserted through the models, service.rebuild, then query.search (the
  path the site uses, re-reading each page from the database).
"""
import argparse
import contextlib
import csv
import gc
import io
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slugify import slugify  # noqa: E402

from keren.search import analysis  # noqa: E402
from keren.search.documents import _stamp, key_of  # noqa: E402
from keren.search.index import SearchIndex  # noqa: E402
from keren.search.query import PRICE_BUCKETS, SearchParams, clean_query, find  # noqa: E402

SEED = 20240817

# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------


KELURAHAN_CSV = ROOT / "keren" / "data" / "kediri-kelurahan.csv"
EPOCH_START = 1_672_531_200   # 2023-01-01
EPOCH_SPAN = 3 * 365 * 86_400


@dataclass(frozen=True)
class Place:
    kecamatan: str
    kecamatan_slug: str
    kelurahan: str
    kelurahan_slug: str
    aliases: tuple

    @property
    def words(self):
        """The same place words as documents._place_words."""
        return " ".join([self.kelurahan, *self.aliases, self.kecamatan])


def places():
    with open(KELURAHAN_CSV, newline="", encoding="utf-8") as fh:
        return [Place(r["kecamatan"], slugify(r["kecamatan"]), r["kelurahan"],
                      slugify(r["kelurahan"]), tuple(a for a in r["aliases"].split(";") if a))
                for r in csv.DictReader(fh)]


# Each theme: (weight, kampung name words, {pillar: [(title, topic)]}, theme sentences).
# Titles may use {motif}, {rasa}, {jenis}, {ukuran}, {paket}, {tempat}.
THEMES = {
    "tenun": (10, ["Tenun Ikat", "Tenun", "Kain Tenun"], {
        "dagang": ["Kain Tenun Ikat Motif {motif}", "Sarung Tenun Ikat {motif}",
                   "Selendang Tenun {motif}", "Tas Tenun Ikat {ukuran}", "Syal Tenun Semi-Sutra",
                   "Kemeja Tenun Ikat {motif}", "Dompet Tenun Ikat"],
        "wisata": ["Jelajah Sentra Tenun Ikat", "Wisata Melihat Perajin Menenun",
                   "Tur Kampung Tenun Bandar Kidul"],
        "edukasi": ["Kelas Menenun ATBM untuk Pemula", "Belajar Menenun Ikat Sehari",
                    "Pelatihan Pewarnaan Benang Tenun"],
    }, ["Kain tenun ikat dibuat dengan alat tenun bukan mesin (ATBM) oleh para penenun kampung.",
        "Pengunjung dapat melihat proses menenun dari pewarnaan benang sampai kain jadi.",
        "Setiap lembar tenunan dikerjakan sekitar dua minggu oleh pengrajin berpengalaman.",
        "Motif tenun ikat Kediri terkenal dengan warna cerah dan corak khas.",
        "Para penenun mewarisi keterampilan menenun dari orang tua mereka."]),
    "tahu": (10, ["Tahu", "Tahu Takwa", "Olahan Tahu"], {
        "dagang": ["Tahu Takwa Kuning {paket}", "Stik Tahu {rasa}", "Tahu Pong Goreng",
                   "Kerupuk Tahu {rasa}", "Tahu Bakso {paket}", "Oleh-oleh Tahu Takwa Kediri",
                   "Getuk Tahu", "Tahu Kuning Bumbu Kunyit"],
        "wisata": ["Wisata Kampung Tahu Tinalan", "Jalan-jalan ke Sentra Tahu Takwa"],
        "edukasi": ["Kelas Membuat Tahu dari Kedelai", "Wisata Edukasi Pembuatan Tahu Takwa",
                    "Belajar Mengolah Kedelai Menjadi Tahu"],
    }, ["Tahu takwa berwarna kuning karena direbus dengan kunyit dan garam.",
        "Kedelai pilihan digiling lalu disaring dan dicetak setiap pagi.",
        "Sekitar tiga puluh perajin tahu rumahan bekerja di sepanjang gang kampung.",
        "Tahu kuning khas Kediri cocok dibawa pulang sebagai oleh-oleh.",
        "Pengunjung bisa mencoba menggiling kedelai dan mencetak tahu sendiri."]),
    "batik": (8, ["Batik", "Batik Tulis", "Batik Kediri"], {
        "dagang": ["Batik Tulis Motif {motif}", "Kain Batik Cap {motif}", "Kemeja Batik {motif}",
                   "Taplak Batik Tulis", "Batik Ecoprint {ukuran}"],
        "wisata": ["Galeri Batik Kampung", "Wisata Belanja Batik Tulis"],
        "edukasi": ["Kelas Membatik Tulis untuk Pelajar", "Kelas Membatik Cap Keluarga",
                    "Pelatihan Batik Ecoprint", "Belajar Membatik Sehari"],
    }, ["Batik tulis dikerjakan dengan canting dan malam panas secara hati-hati.",
        "Peserta kelas membatik membawa pulang kain hasil karya sendiri.",
        "Motif batik terinspirasi dari Gunung Kelud dan Sungai Brantas.",
        "Pewarnaan alami memakai kulit kayu, daun indigo dan kunyit.",
        "Pembatik kampung melayani pesanan seragam dan kain untuk acara."]),
    "cupang": (6, ["Cupang", "Ikan Hias", "Harmony Betta"], {
        "dagang": ["Ikan Cupang {jenis}", "Sepasang Cupang {jenis} Siap Tanding",
                   "Paket Pakan Kutu Air untuk Cupang", "Akuarium Mini untuk Cupang"],
        "wisata": ["Wisata Kolam Cupang Warga", "Kontes Ikan Cupang Bulanan"],
        "edukasi": ["Kelas Budidaya Ikan Cupang", "Belajar Memijahkan Cupang Hias"],
    }, ["Kolam-kolam di pekarangan warga membudidayakan ikan cupang hias.",
        "Sekitar dua ratus pembudidaya mengirim ikan ke seluruh Indonesia.",
        "Cupang hias dipilih dari indukan unggulan dengan warna cerah.",
        "Pengiriman ikan dikemas aman dengan kantong beroksigen."]),
    "jamu": (6, ["Jamu", "Toga", "Herbal"], {
        "dagang": ["Jamu Kunyit Asam {ukuran}", "Jamu Beras Kencur {ukuran}", "Wedang Jahe Merah",
                   "Serbuk Temulawak Instan", "Paket Jamu Gendong {paket}"],
        "wisata": ["Jelajah Kebun Toga Kampung", "Wisata Herbal dan Tanaman Obat"],
        "edukasi": ["Kelas Meracik Jamu Tradisional", "Belajar Menanam Tanaman Obat Keluarga"],
    }, ["Jamu diracik dari kunyit, temulawak, jahe dan kencur segar setiap hari.",
        "Ibu-ibu penjual jamu gendong masih berkeliling kampung setiap pagi.",
        "Tanaman obat keluarga ditanam di pekarangan dan lahan sempit.",
        "Resep jamu turun-temurun dijaga oleh peracik jamu kampung."]),
    "pecut": (5, ["Pecut", "Pecut Samandiman", "Jaranan"], {
        "dagang": ["Pecut Samandiman {ukuran}", "Miniatur Pecut untuk Oleh-oleh",
                   "Topeng Jaranan Ukir", "Kuda Lumping Anyaman Bambu"],
        "wisata": ["Pentas Jaranan Malam Minggu", "Festival Pecut Samandiman",
                   "Menonton Latihan Kesenian Jaranan"],
        "edukasi": ["Kelas Menari Jaranan Anak", "Belajar Membuat Pecut Samandiman",
                    "Kelas Karawitan Pengiring Jaranan"],
    }, ["Pecut Samandiman adalah cambuk seremonial khas Kediri yang dipakai dalam jaranan.",
        "Para seniman jaranan berlatih setiap sore di balai kampung.",
        "Perajin pecut menganyam tali dan memasang gagang bambu dengan rapi.",
        "Kesenian jaranan diiringi gamelan, kendang dan terompet."]),
    "kuliner": (12, ["Kuliner", "Pecel", "Jajanan"], {
        "dagang": ["Nasi Pecel Tumpang {paket}", "Sambel Pecel Kediri {ukuran}",
                   "Getuk Pisang {rasa}", "Keripik Pisang {rasa}", "Kerupuk Pasir {rasa}",
                   "Paket Oleh-oleh Kuliner Kediri", "Gethuk Pisang Raja", "Kopi Bubuk {jenis}",
                   "Madu Hutan {ukuran}", "Camilan Oleh-oleh {rasa}"],
        "wisata": ["Tur Kuliner Malam Kediri", "Wisata Kuliner Pasar Pahing",
                   "Sarapan Pecel di Kampung"],
        "edukasi": ["Kelas Memasak Sambel Tumpang", "Belajar Membuat Getuk Pisang",
                    "Kelas Memasak Kuliner Khas Kediri"],
    }, ["Sambel tumpang dibuat dari tempe semangit yang dimasak dengan rempah.",
        "Getuk pisang dibungkus daun pisang dan dikukus sampai harum.",
        "Pedagang kuliner kampung buka sejak subuh sampai siang.",
        "Kuliner khas Kediri ini sering dibawa wisatawan sebagai oleh-oleh.",
        "Bahan-bahan dibeli segar dari pasar setiap pagi."]),
    "kebun": (7, ["Kebun", "Tani", "Hidroponik"], {
        "dagang": ["Sayur Hidroponik Segar {paket}", "Bibit Cabai dan Tomat",
                   "Pupuk Kompos Organik",
                   "Buah Naga Merah {ukuran}", "Jambu Kristal {ukuran}"],
        "wisata": ["Petik Sayur di Kebun Kampung", "Wisata Kebun Buah Naga",
                   "Jelajah Rumah Kaca Hidroponik"],
        "edukasi": ["Pelatihan Hidroponik Rumahan", "Kelas Membuat Kompos",
                    "Wisata Edukasi Pertanian Kota untuk Sekolah"],
    }, ["Kebun kampung memanfaatkan lahan sempit dan atap rumah warga.",
        "Kelompok tani mengelola rumah kaca dan instalasi hidroponik.",
        "Pengunjung boleh memetik sayur dan buah langsung dari kebun.",
        "Petani kota belajar bertani organik tanpa pestisida."]),
    "sumber": (5, ["Sumber", "Mata Air", "Sumber Banteng"], {
        "dagang": ["Paket Bekal Piknik di Sumber", "Ikan Bakar Sumber {paket}"],
        "wisata": ["Berwisata ke Sumber Mata Air", "Mandi di Sumber Air Jernih",
                   "Susur Sungai dan Sumber Kampung", "Naik Perahu di Sungai Brantas"],
        "edukasi": ["Belajar Menjaga Mata Air", "Wisata Edukasi Konservasi Sumber Air"],
    }, ["Sumber mata air ini jernih dan dingin sepanjang tahun.",
        "Warga menjaga pepohonan di sekitar sumber agar air tetap mengalir.",
        "Anak-anak bisa bermain air di kolam dangkal yang aman.",
        "Perahu sewaan mengantar pengunjung menyusuri sungai."]),
    "kerajinan": (7, ["Kerajinan", "Anyaman Bambu", "Gerabah"], {
        "dagang": ["Anyaman Bambu {jenis}", "Gerabah Hias {ukuran}", "Tas Anyaman Pandan",
                   "Kerajinan Kayu {jenis}", "Lampion Bambu Hias"],
        "wisata": ["Kunjungan Sentra Kerajinan Bambu", "Wisata Kriya Kampung"],
        "edukasi": ["Kelas Menganyam Bambu", "Belajar Membuat Gerabah",
                    "Workshop Kerajinan Daur Ulang"],
    }, ["Kerajinan tangan dibuat oleh pengrajin kampung dari bahan lokal.",
        "Bambu dipotong, diraut lalu dianyam menjadi berbagai barang.",
        "Produk kerajinan dijual ke toko oleh-oleh dan pameran.",
        "Perajin menerima pesanan dalam jumlah besar untuk suvenir acara."]),
    "heritage": (4, ["Pecinan", "Heritage", "Dhoho"], {
        "dagang": ["Kartu Pos Bangunan Lama", "Buku Cerita Kampung {jenis}"],
        "wisata": ["Jalan Kaki Heritage Kota Lama", "Wisata Sejarah Klenteng dan Pecinan",
                   "Tur Sepeda Kampung Lama", "Menyusuri Goa Selomangleng"],
        "edukasi": ["Kelas Sejarah Kediri untuk Pelajar", "Belajar Aksara Jawa"],
    }, ["Bangunan lama di kampung ini menyimpan cerita perdagangan masa lalu.",
        "Pemandu warga menceritakan sejarah kerajaan Kediri dan Dhoho.",
        "Rute jalan kaki melewati klenteng, pasar lama dan rumah tua.",
        "Wisata sejarah cocok untuk rombongan sekolah dan keluarga."]),
}

FILL = {
    "motif": ["Parang", "Kawung", "Gringsing", "Kelud", "Brantas", "Sekar Jagad", "Truntum",
              "Mega Mendung", "Bunga Anggrek", "Garis Lurik", "Ceplok", "Dhoho"],
    "rasa": ["Original", "Pedas", "Balado", "Manis", "Gurih", "Keju", "Jagung Bakar", "Coklat",
             "Pedas Manis", "Bawang"],
    "jenis": ["Halfmoon", "Plakat", "Giant", "Crowntail", "Premium", "Super", "Robusta",
              "Arabika", "Hias", "Klasik", "Mini", "Lokal"],
    "ukuran": ["Kecil", "Sedang", "Besar", "250 gram", "500 gram", "1 kg", "Botol 1 Liter",
               "Ukuran Anak", "Ukuran Dewasa", "Jumbo"],
    "paket": ["Paket Keluarga", "Isi 10", "Isi 20", "Paket Hemat", "Satu Besek", "Paket Rombongan",
              "Satu Porsi", "Paket Oleh-oleh"],
}

GENERIC = [
    "Cocok untuk keluarga, rombongan sekolah dan wisatawan dari luar kota.",
    "Pemesanan bisa melalui WhatsApp pengelola kampung paling lambat sehari sebelumnya.",
    "Harga sudah termasuk pemandu warga dan air minum.",
    "Produk dibuat sesuai pesanan dan dikirim ke seluruh Indonesia.",
    "Kegiatan berlangsung sekitar dua jam di balai kampung.",
    "Peserta mendapat sertifikat dan hasil karya untuk dibawa pulang.",
    "Kampung ini termasuk Kampung KEREN yang ditetapkan pemerintah kota.",
    "Pengelola kampung menyediakan tempat parkir dan toilet bersih.",
    "Buka setiap hari kecuali hari Senin mulai pukul delapan pagi.",
    "Perdagangan produk kampung membantu ekonomi warga sekitar.",
    "Para pedagang dan perajin bekerja sama dalam koperasi kampung.",
    "Berwisata ke kampung ini bisa digabung dengan kunjungan ke Simpang Lima Gumul.",
    "Kami menerima rombongan hingga empat puluh orang dengan pemesanan terlebih dahulu.",
    "Anak-anak belajar sambil bermain bersama warga kampung.",
    "Pembayaran tunai atau transfer bank dan dompet digital.",
    "Lokasinya dekat jalan utama dan mudah dijangkau dengan becak atau ojek.",
    "Tersedia paket oleh-oleh untuk dibawa pulang setelah berkunjung.",
    "Dikemas rapi dan tahan lama tanpa bahan pengawet.",
]
SUMMARY_LEADS = {
    "dagang": ["{title} buatan warga {kampung}.", "Produk unggulan {kampung}: {title_lower}.",
               "{title} asli Kediri, langsung dari perajin."],
    "wisata": ["Berwisata di {kampung}: {title_lower}.", "{title} bersama pemandu warga.",
               "Pengalaman {title_lower} di Kelurahan {kelurahan}."],
    "edukasi": ["{title} bersama perajin {kampung}.", "Wisata edukasi: {title_lower}.",
                "Kelas praktik {title_lower} untuk pelajar dan umum."],
}
TAGS = {
    "tenun": ["tenun", "tenun ikat", "kain", "sarung", "atbm"],
    "tahu": ["tahu", "tahu takwa", "kedelai", "oleh-oleh", "camilan"],
    "batik": ["batik", "batik tulis", "membatik", "kain"],
    "cupang": ["cupang", "ikan hias", "betta"],
    "jamu": ["jamu", "herbal", "toga", "kunyit"],
    "pecut": ["pecut", "jaranan", "kesenian", "tari"],
    "kuliner": ["kuliner", "oleh-oleh", "pecel", "camilan", "makanan"],
    "kebun": ["kebun", "hidroponik", "sayur", "buah", "tani"],
    "sumber": ["sumber", "mata air", "sungai", "alam"],
    "kerajinan": ["kerajinan", "bambu", "anyaman", "suvenir"],
    "heritage": ["sejarah", "heritage", "bangunan lama", "jalan kaki"],
}
OWNERS = ["Bu Sri", "Pak Darmo", "Mbak Yuni", "Pak Slamet", "Bu Endang", "Mas Agus", "Bu Tutik",
          "Pak Harto", "Mbak Rina", "Pak Joko", "Bu Wati", "Mas Bayu", "Bu Lestari", "Pak Mulyono",
          "Mbak Dewi", "Pak Suyono", "Bu Kasiyem", "Cak Man", "Ning Ayu", "Pak Sholeh"]
GANG = ["I", "II", "III", "IV", "V", "VI", "VII", "Melati", "Mawar", "Kenanga", "Kauman", "Masjid"]
# The long tail: the many words that appear in a few documents each.
LONG_TAIL = """beras ketan gula jawa kelapa parut santan daun pandan pisang kepok singkong ubi ungu
    kacang tanah wijen cabai rawit bawang merah bawang putih lengkuas serai kemiri asam jawa
    jeruk nipis kayu manis cengkeh pala jahe emprit temu kunci kencur sirih jinten tempe kecap
    petis terasi ikan lele ikan nila ayam kampung bebek telur asin susu kambing madu klanceng
    rotan pandan eceng gondok serat nanas kulit sapi tanduk kayu jati kayu mahoni tempurung
    kelapa tanah liat benang katun benang sutra pewarna alami indigo secang mengkudu tinta
    cat akrilik kertas daur ulang kardus botol plastik kain perca manik-manik kancing resleting
    arisan pengajian hajatan pernikahan khitanan syukuran lebaran natal imlek sekaten
    agustusan ulang tahun reuni kantor seminar pameran bazar car free day festival
    kampung""".split()
ACARA = ["hajatan", "pernikahan", "syukuran", "lebaran", "arisan", "pameran", "reuni", "seminar",
         "ulang tahun", "agustusan", "rapat kantor", "kunjungan dinas"]
DETAILS = [
    "Dikelola oleh {owner} di Gang {gang} RT {rt}/RW {rw}.",
    "Bahan yang dipakai antara lain {a}, {b} dan {c}.",
    "Sering dipesan untuk {acara} dan {acara2}.",
    "Hubungi {owner} untuk pesanan lebih dari {qty} {unit}.",
    "Sudah {years} tahun berjalan sejak dirintis {owner}.",
    "Tersedia juga varian dengan {a} atau {b}.",
]


def _detail(rng):
    return rng.choice(DETAILS).format(
        owner=rng.choice(OWNERS), gang=rng.choice(GANG), rt=f"{rng.randint(1, 12):02d}",
        rw=f"{rng.randint(1, 8):02d}", a=rng.choice(LONG_TAIL), b=rng.choice(LONG_TAIL),
        c=rng.choice(LONG_TAIL), acara=rng.choice(ACARA), acara2=rng.choice(ACARA),
        qty=rng.choice([10, 20, 25, 50, 100]), unit=rng.choice(["porsi", "pcs", "lembar", "orang"]),
        years=rng.randint(2, 40))


PRICE = {"dagang": [(5_000, 60_000, 6), (60_000, 400_000, 3), (0, 0, 0)],
         "wisata": [(0, 0, 3), (5_000, 25_000, 4), (25_000, 150_000, 3)],
         "edukasi": [(0, 0, 1), (15_000, 50_000, 5), (50_000, 250_000, 4)]}


def _fill(rng, template):
    for slot, words in FILL.items():
        while "{" + slot + "}" in template:
            template = template.replace("{" + slot + "}", rng.choice(words), 1)
    return template


def _price(rng, pillar):
    bands = PRICE[pillar]
    lo, hi, _w = rng.choices(bands, weights=[max(w, 0.3) for _l, _h, w in bands])[0]
    if hi == 0:
        return 0
    return int(rng.randint(lo, hi) // 500 * 500)


@dataclass
class KampungRow:
    id: int
    name: str
    theme: str
    place: Place
    tagline: str
    story: str
    published: int


@dataclass
class OfferingRow:
    id: int
    kampung: KampungRow
    pillar: str
    title: str
    summary: str
    description: str
    tags_text: str
    topic: str
    price: int
    published: int


def generate(n, seed=SEED):
    """(kampung rows, offering rows): n offerings over about n/20 kampung, deterministic."""
    rng = random.Random(seed)
    all_places = places()
    theme_names = list(THEMES)
    weights = [THEMES[t][0] for t in theme_names]
    n_kampung = max(15, n // 20)
    kampung = []
    names = set()
    for i in range(1, n_kampung + 1):
        theme = rng.choices(theme_names, weights)[0]
        place = rng.choice(all_places)
        base = f"Kampung {rng.choice(THEMES[theme][1])} {place.kelurahan}"
        name, k = base, 1
        while name in names:
            k += 1
            name = f"{base} {k}"
        names.add(name)
        sentences = rng.sample(THEMES[theme][3], k=min(3, len(THEMES[theme][3])))
        story = " ".join(sentences + rng.sample(GENERIC, k=3) + [_detail(rng), _detail(rng)])
        kampung.append(KampungRow(i, name, theme, place, sentences[0][:150], story,
                                  EPOCH_START + rng.randrange(EPOCH_SPAN)))
    offerings = []
    for i in range(1, n + 1):
        kp = rng.choice(kampung)
        # Most offerings follow their kampung's theme; some cross over (a tahu kampung's jamu).
        theme = kp.theme if rng.random() < 0.8 else rng.choices(theme_names, weights)[0]
        pillar = rng.choices(["dagang", "wisata", "edukasi"], [5, 3, 2])[0]
        title = _fill(rng, rng.choice(THEMES[theme][2][pillar]))
        lead = rng.choice(SUMMARY_LEADS[pillar]).format(
            title=title, title_lower=title.lower(), kampung=kp.name,
            kelurahan=kp.place.kelurahan)
        summary = (lead + " " + rng.choice(THEMES[theme][3]))[:300]
        body = rng.sample(THEMES[theme][3], k=min(len(THEMES[theme][3]), rng.randint(2, 4)))
        body += rng.sample(GENERIC, k=rng.randint(2, 5))
        body += [_detail(rng) for _ in range(rng.randint(1, 3))]
        rng.shuffle(body)
        description = " ".join(body)
        if rng.random() < 0.5:   # as the demo offerings do
            description = f"{summary}\n\n{description}"
        tags = rng.sample(TAGS[theme], k=min(len(TAGS[theme]), rng.randint(2, 4)))
        topic = title if pillar == "edukasi" else ""
        offerings.append(OfferingRow(
            i, kp, pillar, title, summary, description, ",".join(tags), topic,
            _price(rng, pillar), kp.published + rng.randrange(86_400 * 60)))
    return kampung, offerings


def offering_doc(o):
    """The document of an offering, as document_for builds it."""
    kp = o.kampung
    doc = {
        "kind": "offering", "id": o.id, "title": o.title,
        "content": "\n".join([o.summary, o.description, o.tags_text.replace(",", ", "),
                              o.topic, kp.name, o.pillar, kp.place.words]),
        "summary": o.summary,
        "pillar": o.pillar, "kecamatan": kp.place.kecamatan_slug,
        "kelurahan": kp.place.kelurahan_slug, "price": o.price or 0,
        "published": o.published, "bookable": False,
    }
    doc["key"] = key_of("offering", o.id)
    doc["stamp"] = _stamp(doc)
    return doc


def kampung_doc(k):
    """The document of a kampung profile, as document_for builds it (address left empty)."""
    doc = {
        "kind": "kampung", "id": k.id, "title": k.name,
        "content": "\n".join([k.tagline, k.story, "", k.place.words]),
        "summary": k.tagline,
        "pillar": "", "kecamatan": k.place.kecamatan_slug, "kelurahan": k.place.kelurahan_slug,
        "price": None, "published": k.published, "bookable": False,
    }
    doc["key"] = key_of("kampung", k.id)
    doc["stamp"] = _stamp(doc)
    return doc


def documents(n, seed=SEED):
    kampung, offerings = generate(n, seed)
    return [kampung_doc(k) for k in kampung] + [offering_doc(o) for o in offerings]


# --------------------------------------------------------------------------------------------
# Query set
# --------------------------------------------------------------------------------------------

WORDS = ["tenun", "tahu", "batik", "cupang", "jamu", "pecut", "jaranan", "kebun", "sumber",
         "kuliner", "oleh-oleh", "kerajinan", "hidroponik", "getuk", "sambel", "kunyit",
         "menenun", "berwisata", "perdagangan", "pengrajin", "wisatawan", "tofu", "weaving",
         "betta", "herbal", "workshop", "Setonogedong", "Tinalan", "bambu", "sarung", "madu",
         "kopi", "gerabah", "klenteng", "sejarah", "membatik", "kedelai", "Setono Gedong",
         "oleh2", "souvenir"]
TWO_WORDS = ["tahu takwa", "batik tulis", "kelas membatik", "wisata edukasi", "ikan cupang",
             "mata air", "tenun ikat", "jamu kunyit", "sayur hidroponik", "getuk pisang",
             "pecut samandiman", "oleh-oleh kediri", "kain tenun", "kelas memasak", "tur kuliner",
             "anyaman bambu", "jaranan anak", "kebun buah", "madu hutan", "batik tofu",
             "belajar menenun", "weaving class", "cupang halfmoon", "sejarah kediri"]
PHRASES = ['"tenun ikat"', '"tahu takwa"', '"batik tulis"', '"wisata edukasi"',
           '"sumber mata air"', '"kelas membatik"', '"pecut samandiman"', '"sambel tumpang"',
           '"getuk pisang"', '"ikan cupang hias"', '"jamu gendong"', '"rumah kaca"']
FILTERED = [
    ("tahu", {"pillar": "dagang"}), ("batik", {"kecamatan": "kota"}),
    ("wisata", {"price_min": 0, "price_max": 0}), ("kelas", {"pillar": "edukasi",
                                                             "price_min": 25_000,
                                                             "price_max": 100_000}),
    ("jamu", {"kecamatan": "pesantren"}), ("tenun", {"kelurahan": "bandar-kidul"}),
    ("kuliner", {"pillar": "wisata", "kecamatan": "mojoroto"}), ("oleh-oleh", {"price_max": 24_999,
                                                                               "price_min": 1}),
    ("cupang", {"pillar": "dagang", "price_min": 100_001}), ("kebun", {"kelurahan": "tinalan"}),
    ("tahu takwa", {"kecamatan": "pesantren", "pillar": "dagang"}),
    ("pecut", {"pillar": "edukasi"}), ("sumber", {"pillar": "wisata", "price_max": 0,
                                                  "price_min": 0}),
    ("kampung", {"kind": "kampung"}),
]
PAGED = ["kampung", "wisata", "oleh-oleh", "kelas", "tahu", "batik", "pengunjung", "kuliner"]
SORTED = [("batik", "termurah"), ("tahu", "termahal"), ("tenun", "terbaru"), ("jamu", "termurah"),
          ("kelas", "termurah"), ("oleh-oleh", "termahal"), ("wisata", "terbaru")]
BROWSE = [{"pillar": "wisata"}, {"kecamatan": "kota"},
          {"pillar": "edukasi", "kecamatan": "mojoroto"},
          {"kelurahan": "tinalan"}, {"price_min": 0, "price_max": 0}]
# (category, share of the mix)
MIX = [("word", 0.25), ("two words", 0.18), ("phrase", 0.12), ("filtered", 0.18),
       ("page 3", 0.10), ("sorted", 0.10), ("browse", 0.07)]


def query_set(count, seed=SEED):
    """[(category, SearchParams kwargs)], deterministic, in a shuffled order."""
    rng = random.Random(seed + 1)
    out = []
    for category, share in MIX:
        for _ in range(max(1, round(count * share))):
            if category == "word":
                kw = {"q": rng.choice(WORDS)}
            elif category == "two words":
                kw = {"q": rng.choice(TWO_WORDS)}
            elif category == "phrase":
                kw = {"q": rng.choice(PHRASES)}
            elif category == "filtered":
                q, filters = rng.choice(FILTERED)
                kw = {"q": q, **filters}
            elif category == "page 3":
                kw = {"q": rng.choice(PAGED), "page": 3}
            elif category == "sorted":
                q, sort = rng.choice(SORTED)
                kw = {"q": q, "sort": sort}
            else:
                kw = dict(rng.choice(BROWSE))
            out.append((category, kw))
    rng.shuffle(out)
    return out[:count] if len(out) > count else out


# --------------------------------------------------------------------------------------------
# SQLite FTS5 baseline, fed the same analysis
# --------------------------------------------------------------------------------------------

def _joined_terms(text):
    return " ".join(analysis.terms(text))


class Fts5:
    """The same corpus and queries in SQLite FTS5 over the analysed terms."""

    FACETS = ("kind", "pillar", "kecamatan", "kelurahan")

    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # As generous as the Whoosh side's in-memory caches: a 64 MB page cache and the
        # database file memory-mapped.
        self.db.execute("PRAGMA cache_size=-65536")
        self.db.execute("PRAGMA mmap_size=1073741824")

    def build(self, docs):
        db = self.db
        db.executescript("""
            CREATE VIRTUAL TABLE fts USING fts5(title, content,
                tokenize = "unicode61 remove_diacritics 0 tokenchars '-_'");
            CREATE TABLE meta(rowid INTEGER PRIMARY KEY, kind TEXT, id INTEGER, pillar TEXT,
                kecamatan TEXT, kelurahan TEXT, price INTEGER, published INTEGER,
                bookable INTEGER);
        """)
        with db:
            for rowid, doc in enumerate(docs, start=1):
                db.execute("INSERT INTO fts(rowid, title, content) VALUES (?, ?, ?)",
                           (rowid, _joined_terms(doc["title"]), _joined_terms(doc["content"])))
                db.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (rowid, doc["kind"], doc["id"], doc["pillar"], doc["kecamatan"],
                            doc["kelurahan"], doc["price"], doc["published"],
                            int(doc["bookable"])))
        db.executescript("""
            CREATE INDEX meta_pillar ON meta(pillar);
            CREATE INDEX meta_kecamatan ON meta(kecamatan);
            CREATE INDEX meta_kelurahan ON meta(kelurahan);
            CREATE INDEX meta_price ON meta(price);
            CREATE INDEX meta_published ON meta(published);
            INSERT INTO fts(fts) VALUES ('optimize');
            ANALYZE;
        """)

    @staticmethod
    def match(text, any_word=False):
        """The FTS5 MATCH expression: the analysed words ANDed (or ORed), quoted parts as
        phrases; None when nothing is left after analysis."""
        parts, quoted = [], text.split('"')
        for i, chunk in enumerate(quoted):
            words = analysis.terms(chunk)
            if not words:
                continue
            if i % 2 == 1 and len(quoted) > 2 and i < len(quoted) - 1:
                parts.append('"' + " ".join(words) + '"')
            else:
                parts.extend(f'"{w}"' for w in dict.fromkeys(words))
        return (" OR " if any_word else " AND ").join(parts) or None

    @staticmethod
    def _filters(p):
        sql, args = [], []
        for column, value in (("pillar", p.pillar), ("kecamatan", p.kecamatan),
                              ("kelurahan", p.kelurahan), ("kind", p.kind)):
            if value:
                sql.append(f"m.{column} = ?")
                args.append(value)
        if p.price_min is not None:
            sql.append("m.price >= ?")
            args.append(p.price_min)
        if p.price_max is not None:
            sql.append("m.price <= ?")
            args.append(p.price_max)
        if p.bookable:
            sql.append("m.bookable = 1")
        return sql, args

    def _run(self, p, text, match):
        where, args = self._filters(p)
        if match is not None:
            source = "fts JOIN meta m ON m.rowid = fts.rowid"
            where = ["fts MATCH ?", *where]
            args = [match, *args]
        else:
            source = "meta m"
        where_sql = " AND ".join(where) or "1"
        sort = p.sort
        if sort == "relevan" and match is None:
            sort = "terbaru"
        order = {"terbaru": "m.published DESC", "termurah": "m.price",
                 "termahal": "m.price DESC"}.get(sort, "bm25(fts, 3.0, 1.0)")
        snippet = ("snippet(fts, 1, '<mark>', '</mark>', ' … ', 24)" if match is not None
                   else "''")
        offset = (p.page - 1) * p.per_page
        page = self.db.execute(
            f"SELECT m.kind, m.id, {snippet} FROM {source} WHERE {where_sql} "
            f"ORDER BY {order} LIMIT ? OFFSET ?", [*args, p.per_page, offset]).fetchall()
        buckets = " ".join(
            f"WHEN price BETWEEN {lo} AND {hi if hi is not None else 2**62} THEN '{name}'"
            for name, (lo, hi) in PRICE_BUCKETS.items())
        facet_sql = " UNION ALL ".join(
            f"SELECT '{f}', {f}, count(*) FROM hits GROUP BY {f}" for f in self.FACETS)
        rows = self.db.execute(
            f"WITH hits AS MATERIALIZED (SELECT m.kind, m.pillar, m.kecamatan, m.kelurahan, "
            f"m.price FROM {source} WHERE {where_sql}) {facet_sql} UNION ALL "
            f"SELECT 'price', CASE {buckets} END AS b, count(*) FROM hits "
            f"WHERE price IS NOT NULL GROUP BY b", args).fetchall()
        facets = {}
        for facet, value, count in rows:
            if value is not None:
                facets.setdefault(facet, {})[value] = count
        total = sum(facets.get("kind", {}).values())
        return total, page, facets

    def search(self, p):
        """(total, page rows, facets) for SearchParams `p`, as find() answers it."""
        text = clean_query(p.q)
        p.page = max(1, p.page)
        match = self.match(text) if text else None
        if text and match is None:
            return 0, [], {}
        total, page, facets = self._run(p, text, match)
        if total == 0 and text and len(text.split()) > 1:   # the same any-word fallback
            total, page, facets = self._run(p, text, self.match(text, any_word=True))
        return total, page, facets


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------

def memory():
    """{'VmRSS': MB, 'VmHWM': MB} of this process."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out


def loadavg():
    with open("/proc/loadavg") as fh:
        return fh.read().split()[0]


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(seconds):
    return seconds * 1000


def distinct(queries):
    seen, out = set(), []
    for category, kw in queries:
        key = repr(sorted(kw.items()))
        if key not in seen:
            seen.add(key)
            out.append((category, kw))
    return out


def run_queries(index, fts, queries, rounds=1):
    """Time the queries through both engines, interleaved query by query.

    First the cold pass: each distinct query once, on the fresh searcher of the index just
    built (every cache of the engine empty, as after each index change) and on a fresh FTS5
    connection. That pass also warms both the same way for the timed passes over the whole
    mixed set. Returns (cold, warm) lists of (category, whoosh s, fts s, whoosh total,
    fts total)."""
    def timed(batch):
        out = []
        for category, kw in batch:
            t0 = time.perf_counter()
            result = find(index, SearchParams(**kw))
            t1 = time.perf_counter()
            total, _page, _facets = fts.search(SearchParams(**kw))
            t2 = time.perf_counter()
            out.append((category, t1 - t0, t2 - t1, result.total, total))
        return out

    cold = timed(distinct(queries))
    warm = []
    for _ in range(rounds):
        warm += timed(queries)
    return cold, warm


def verify(index, queries):
    """Compare find() with the same search through Whoosh's own collectors (groupedby facets,
    Results.highlights): totals, facets, hits, snippets, suggestion. Returns (same, checked)."""
    from keren.search.query import _find_whoosh
    same = 0
    for _category, kw in queries:
        a = find(index, SearchParams(**kw))
        params = SearchParams(**kw)
        b = _find_whoosh(index.searcher(), params, clean_query(params.q))
        if [(a.total, a.facets, a.suggestion, a.partial), [vars(h) for h in a.hits]] == \
                [(b.total, b.facets, b.suggestion, b.partial), [vars(h) for h in b.hits]]:
            same += 1
        else:
            print(f"differs from Whoosh's collectors: {kw}", file=sys.stderr)
    return same, len(queries)


def publish_latency(index, tries=5):
    """Seconds from SearchIndex.write of a new offering until a fresh search finds it."""
    out = []
    for i in range(tries):
        word = f"tiwul{'abcdefghij'[i]}ayu"
        doc = {"kind": "offering", "id": 10_000_000 + i, "title": f"Nasi {word.title()} Khas",
               "content": f"Nasi {word} gurih dari singkong, oleh-oleh baru.\nKampung Uji\ndagang"
                          "\nTinalan Pesantren", "summary": f"Nasi {word}",
               "pillar": "dagang", "kecamatan": "pesantren", "kelurahan": "tinalan",
               "price": 15_000, "published": int(time.time()), "bookable": False}
        doc["key"] = key_of("offering", doc["id"])
        doc["stamp"] = _stamp(doc)
        t0 = time.perf_counter()
        index.write({doc["key"]: doc})
        while find(index, SearchParams(q=word)).total == 0:
            if time.perf_counter() - t0 > 30:
                raise RuntimeError("a published document was not searchable within 30 s")
            time.sleep(0.005)
        out.append(time.perf_counter() - t0)
    return out


def worker_memory(index_dir, n_queries):
    """Run the query set in a fresh worker-like process (the whole Flask app imported, the
    index opened through get_index); return its memory figures."""
    out = subprocess.run([sys.executable, __file__, "--worker", index_dir,
                          "--queries", str(n_queries)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def worker_main(index_dir, n_queries):
    from keren import create_app
    from keren.search.index import get_index
    instance = tempfile.mkdtemp(prefix="keren-bench-worker-")
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/keren.sqlite",
                          "SEARCH_INDEX_DIR": index_dir, "RATELIMIT_STORAGE_URI": "memory://",
                          "MAIL_BACKEND": "memory"}, instance_path=instance)
        before = memory()
        with app.app_context():
            index = get_index(app.config)
            for _ in range(2):
                for _category, kw in query_set(n_queries):
                    find(index, SearchParams(**kw))
        gc.collect()
        after = memory()
        print(json.dumps({"app_loaded_rss": before["VmRSS"], **after}))
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def end_to_end(n, n_queries):
    """create_app on SQLite, migrations, rows through the models, service.rebuild, then
    query.search for the query set (the page re-read from the database)."""
    from datetime import datetime, timezone

    from flask_migrate import upgrade
    from sqlalchemy import select

    from keren import create_app
    from keren.extensions import db
    from keren.models import Kampung, Kelurahan, Offering, Pillar, Status
    from keren.search import service
    from keren.search.index import get_index
    from keren.search.query import search
    from keren.services import places as places_service

    instance = Path(tempfile.mkdtemp(prefix="keren-bench-e2e-"))
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/keren.sqlite",
                          "SEARCH_INDEX_DIR": str(instance / "index"),
                          "UPLOAD_DIR": str(instance / "uploads"),
                          "RATELIMIT_STORAGE_URI": "memory://", "MAIL_BACKEND": "memory",
                          "SEARCH_SYNC": False}, instance_path=instance)
        with app.app_context():
            t0 = time.perf_counter()
            # migrations/env.py configures logging from alembic.ini (INFO to stderr): keep it
            # out of the report.
            with contextlib.redirect_stderr(io.StringIO()):
                upgrade(directory=app.config["MIGRATIONS_DIR"])
            places_service.load_reference_data()
            db.session.commit()
            t_migrate = time.perf_counter() - t0
            kelurahan = {k.slug: k.id for k in db.session.scalars(select(Kelurahan))}
            kampung_rows, offering_rows = generate(n)

            def at(epoch):
                return datetime.fromtimestamp(epoch, timezone.utc)

            t0 = time.perf_counter()
            db.session.add_all(Kampung(
                id=k.id, kelurahan_id=kelurahan[k.place.kelurahan_slug], name=k.name,
                slug=f"{slugify(k.name)}-{k.id}", tagline=k.tagline, story=k.story, address="",
                status=Status.PUBLISHED, published_at=at(k.published)) for k in kampung_rows)
            db.session.flush()
            db.session.add_all(Offering(
                id=o.id, kampung_id=o.kampung.id, pillar=Pillar(o.pillar), title=o.title,
                slug=f"{slugify(o.title)}-{o.id}", summary=o.summary, description=o.description,
                price_idr=o.price or None, tags_text=o.tags_text, topic=o.topic,
                status=Status.PUBLISHED, published_at=at(o.published)) for o in offering_rows)
            db.session.commit()
            t_insert = time.perf_counter() - t0
            t0 = time.perf_counter()
            count = service.rebuild(app.config)
            t_rebuild = time.perf_counter() - t0
            db.session.remove()
            queries = query_set(n_queries)
            index = get_index(app.config)
            for _category, kw in queries:    # warm-up, as for the engine runs
                search(app.config, SearchParams(**kw))
                db.session.remove()
            e2e, engine, mismatches = [], [], 0
            for _category, kw in queries:
                t0 = time.perf_counter()
                result = search(app.config, SearchParams(**kw))
                e2e.append(time.perf_counter() - t0)
                db.session.remove()   # a request ends its session
                t0 = time.perf_counter()
                raw = find(index, SearchParams(**kw))
                engine.append(time.perf_counter() - t0)
                if [(h.kind, h.item.id) for h in result.hits] != [(h.kind, h.id) for h in raw.hits]:
                    mismatches += 1
            db.engine.dispose()
        return {"n": n, "documents": count, "migrate": t_migrate, "insert": t_insert,
                "rebuild": t_rebuild, "e2e": e2e, "engine": engine, "mismatches": mismatches}
    finally:
        shutil.rmtree(instance, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

TARGETS_AT = 10_000   # the targets are for this corpus size


def check(value, limit, n=TARGETS_AT):
    if n != TARGETS_AT:
        return "(target at 10,000)"
    return "ok" if value <= limit else "MISSED"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="offerings in the corpus")
    ap.add_argument("--queries", type=int, default=300, help="queries in the mixed set")
    ap.add_argument("--rounds", type=int, default=3, help="timed passes over the query set")
    ap.add_argument("--e2e-n", type=int, default=500,
                    help="offerings for the end-to-end run through a real app (0: skip)")
    ap.add_argument("--verify", type=int, default=None,
                    help="distinct queries also run through Whoosh's own collectors to check "
                         "that find() gives the same answer (default 40 up to n=20000, else 12)")
    ap.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    ap.add_argument("--worker", metavar="INDEX_DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker_main(args.worker, args.queries)
        return 0
    if args.verify is None:
        args.verify = 40 if args.n <= 20_000 else 12

    started = time.perf_counter()
    load_before = loadavg()
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="keren-bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        docs = documents(args.n)
        t_corpus = time.perf_counter() - t0
        n_docs = len(docs)
        n_offerings = sum(1 for d in docs if d["kind"] == "offering")
        words = statistics.mean(len(d["content"].split()) for d in docs)

        index = SearchIndex(str(workdir / "index"))
        t0 = time.perf_counter()
        index.rebuild(docs)
        t_rebuild = time.perf_counter() - t0
        index_mb = sum(f.stat().st_size for f in Path(index._target()).iterdir()) / 2**20

        fts = Fts5(str(workdir / "fts5.sqlite"))
        t0 = time.perf_counter()
        fts.build(docs)
        t_fts_build = time.perf_counter() - t0

        fts.db.close()
        # The corpus is the benchmark's own baggage, not a worker's: drop it so that the
        # collector's passes over it don't land in the query timings.
        del docs
        gc.collect()
        queries = query_set(args.queries)
        fts = Fts5(str(workdir / "fts5.sqlite"))   # a fresh connection for the cold pass
        cold, timings = run_queries(index, fts, queries, args.rounds)
        differ = sum(1 for t in timings if t[3] != t[4])
        checked = distinct(queries)
        checked = checked[::max(1, len(checked) // args.verify)][:args.verify] if args.verify \
            else []
        same, n_checked = verify(index, checked)
        publish = publish_latency(index)
        own = memory()
        worker = worker_memory(index._target(), args.queries)
        e2e = end_to_end(args.e2e_n, args.queries) if args.e2e_n else None
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    w = [ms(t[1]) for t in timings]
    f = [ms(t[2]) for t in timings]
    w50, w95, f50, f95 = pct(w, 50), pct(w, 95), pct(f, 50), pct(f, 95)
    cw, cf = [ms(t[1]) for t in cold], [ms(t[2]) for t in cold]
    print(f"\nSearch benchmark: {n_offerings:,} offerings + {n_docs - n_offerings:,} kampung "
          f"profiles ({words:.0f} words each on average); {len(timings)} queries "
          f"({len(cold)} distinct); {os.cpu_count()} CPU, Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}")
    print(f"corpus generated in {t_corpus:.1f} s; Whoosh index {index_mb:.1f} MB on disk; "
          f"load average {load_before} before, {loadavg()} after (other processes on the "
          "same cores slow both engines)\n")
    print(f"{'query latency (ms)':<24}{'whoosh p50':>11}{'p95':>8}{'fts5 p50':>10}{'p95':>8}"
          f"{'ratio p50':>11}{'p95':>7}")

    def line(label, rows):
        lw, lf = [ms(t[1]) for t in rows], [ms(t[2]) for t in rows]
        print(f"{label:<24}{pct(lw, 50):>11.2f}{pct(lw, 95):>8.2f}{pct(lf, 50):>10.2f}"
              f"{pct(lf, 95):>8.2f}{pct(lw, 50) / pct(lf, 50):>10.2f}x"
              f"{pct(lw, 95) / pct(lf, 95):>6.2f}x")

    for category, _share in MIX:
        rows = [t for t in timings if t[0] == category]
        if rows:
            line(f"{category} ({len(rows)})", rows)
    print("-" * 79)
    line(f"all, warm ({len(timings)})", timings)
    line(f"first run, cold ({len(cold)})", cold)
    print(f"result counts: FTS5 and Whoosh agree on {len(timings) - differ} of {len(timings)} "
          "queries")
    p50_pub, max_pub = statistics.median(publish), max(publish)
    print(f"\n{'measure':<46}{'value':>16}{'target':>11}")
    rows = [
        ("whoosh query p50 (warm)", f"{w50:.2f} ms", "<= 15 ms", check(w50, 15, args.n)),
        ("whoosh query p95 (warm)", f"{w95:.2f} ms", "<= 50 ms", check(w95, 50, args.n)),
        ("whoosh p50 / fts5 p50 (warm)", f"{w50 / f50:.2f}x", "<= 2x", check(w50 / f50, 2, args.n)),
        ("whoosh p95 / fts5 p95 (warm)", f"{w95 / f95:.2f}x", "", ""),
        ("whoosh p50 / p95 (cold)", f"{pct(cw, 50):.1f} / {pct(cw, 95):.1f} ms", "", ""),
        ("whoosh / fts5 p50 (cold)", f"{pct(cw, 50) / pct(cf, 50):.2f}x", "", ""),
        ("same answer as Whoosh's own collectors", f"{same} of {n_checked}", "all",
         "ok" if same == n_checked else "MISSED"),
        ("rebuild (SearchIndex.rebuild)", f"{t_rebuild:.1f} s", "<= 20 s",
         check(t_rebuild, 20, args.n)),
        ("fts5 build (same analysis)", f"{t_fts_build:.1f} s", "", ""),
        ("publish-to-searchable median (max of 5)", f"{ms(p50_pub):.0f} ({ms(max_pub):.0f}) ms",
         "<= 1 s", check(max_pub, 1, args.n)),
        ("worker RSS after the queries (peak)", f"{worker['VmRSS']:.0f} ({worker['VmHWM']:.0f}) MB",
         "<= 150 MB", check(worker["VmHWM"], 150, args.n)),
        ("  of which the app before the index", f"{worker['app_loaded_rss']:.0f} MB", "", ""),
        ("this benchmark process RSS (peak)", f"{own['VmRSS']:.0f} ({own['VmHWM']:.0f}) MB",
         "", ""),
    ]
    if e2e:
        rows += [
            (f"end to end at {e2e['n']}: query.search p50/p95",
             f"{ms(pct(e2e['e2e'], 50)):.1f} / {ms(pct(e2e['e2e'], 95)):.1f} ms", "", ""),
            (f"  engine only (find) at {e2e['n']}: p50/p95",
             f"{ms(pct(e2e['engine'], 50)):.1f} / {ms(pct(e2e['engine'], 95)):.1f} ms", "", ""),
            ("  migrate / insert / service.rebuild",
             f"{e2e['migrate']:.1f} / {e2e['insert']:.1f} / {e2e['rebuild']:.1f} s", "", ""),
            ("  pages that differ from the engine's", str(e2e["mismatches"]), "0",
             "ok" if not e2e["mismatches"] else "MISSED"),
        ]
    for name, value, target, verdict in rows:
        print(f"{name:<46}{value:>16}{target:>11}   {verdict}")
    missed = [name.strip() for name, _v, _t, verdict in rows if verdict == "MISSED"]
    print(f"\nSUMMARY n={n_offerings}: whoosh p50 {w50:.1f} ms / p95 {w95:.1f} ms vs fts5 "
          f"{f50:.1f} / {f95:.1f} ms (ratio {w50 / f50:.2f}x / {w95 / f95:.2f}x; cold "
          f"{pct(cw, 50) / pct(cf, 50):.2f}x), rebuild {t_rebuild:.1f} s, publish "
          f"{ms(max_pub):.0f} ms, worker RSS {worker['VmHWM']:.0f} MB; "
          + ("" if args.n != TARGETS_AT else "all targets met; " if not missed
             else "MISSED: " + ", ".join(missed) + "; ")
          + f"run took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
