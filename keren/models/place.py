"""Reference places: the 3 kecamatan and 46 kelurahan of Kota Kediri."""
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keren.extensions import db


class Kecamatan(db.Model):
    """A district of Kota Kediri, keyed by its Kemendagri code (e.g. 35.71.01)."""

    __tablename__ = "kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)

    kelurahan: Mapped[list["Kelurahan"]] = relationship(
        back_populates="kecamatan", order_by="Kelurahan.code")

    def __repr__(self):
        return f"<Kecamatan {self.code} {self.name}>"


class Kelurahan(db.Model):
    """A sub-district, keyed by its Kemendagri code (e.g. 35.71.01.1002)."""

    __tablename__ = "kelurahan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    postcode: Mapped[str] = mapped_column(String(5))
    latitude: Mapped[float]
    longitude: Mapped[float]
    # Other spellings people use ("Setono Gedong"), separated by ';'; used for search.
    aliases_text: Mapped[str] = mapped_column(Text, default="")

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="kelurahan")

    @property
    def aliases(self):
        return [a for a in self.aliases_text.split(";") if a]

    @property
    def osm_url(self):
        """The map pin on OpenStreetMap."""
        return (f"https://www.openstreetmap.org/?mlat={self.latitude:.6f}"
                f"&mlon={self.longitude:.6f}#map=16/{self.latitude:.6f}/{self.longitude:.6f}")

    def __repr__(self):
        return f"<Kelurahan {self.code} {self.name}>"
