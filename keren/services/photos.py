"""Photos: checked, re-encoded with Pillow (EXIF removed), stored under server-made names."""
import io
import os
import secrets
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from keren.extensions import db
from keren.models import Kampung, Photo
from keren.services import audit
from keren.services.effects import after_commit, on_rollback
from keren.services.errors import InvalidValue, NotAllowed

# MPO is a JPEG carrying extra images (Android's Ultra HDR gain map, depth maps): Pillow names
# it apart, but it is a phone's ordinary JPEG; only its first (main) image is used.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
DISPLAY_SIZES = (1280, 1024, 800, 640)
THUMB_SIZE = 400


class Limits:
    """Upload limits, from the app config."""

    def __init__(self, config):
        self.max_bytes = config["UPLOAD_MAX_BYTES"]
        self.max_pixels = config["UPLOAD_MAX_PIXELS"]
        self.display_max_bytes = config["PHOTO_DISPLAY_MAX_BYTES"]
        self.per_item = config["PHOTOS_PER_ITEM"]


def _refuse():
    return InvalidValue(_("Berkas ini bukan foto JPEG, PNG atau WebP yang bisa dibaca."),
                        field="photo")


def _encode(image, max_side, quality):
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # Pillow's JPEG encoder copies some metadata from `info` by itself (the COM comment, where
    # cameras and editors put names and places): start from none at all.
    copy.info = {}
    out = io.BytesIO()
    # No exif= argument: nothing of the original's metadata is written.
    copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue(), copy.size


def process_image(data, limits):
    """Check and re-encode an upload. Returns (display bytes, thumb bytes, (width, height))."""
    if len(data) > limits.max_bytes:
        raise InvalidValue(_("Foto terlalu besar: maksimal %(mb)d MB.",
                             mb=limits.max_bytes // (1024 * 1024)), field="photo")
    if not data:
        raise _refuse()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse()
            width, height = image.size
            # Checked from the header, before decoding: a decompression bomb is never expanded.
            if width * height > limits.max_pixels:
                raise InvalidValue(_("Resolusi foto terlalu besar. Perkecil dulu lalu unggah lagi."),
                                   field="photo")
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P"):
                rgba = image.convert("RGBA")
                image = Image.new("RGB", rgba.size, (255, 255, 255))
                image.paste(rgba, mask=rgba.getchannel("A"))
            else:
                image = image.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise InvalidValue(_("Resolusi foto terlalu besar. Perkecil dulu lalu unggah lagi."),
                           field="photo") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse() from None
    for max_side in DISPLAY_SIZES:
        for quality in (82, 72, 62):
            display, size = _encode(image, max_side, quality)
            if len(display) <= limits.display_max_bytes:
                break
        else:
            continue
        break
    thumb, _size = _encode(image, THUMB_SIZE, 75)
    return display, thumb, size


def _owner_kampung(target):
    return target if isinstance(target, Kampung) else target.kampung


def add_photo(target, *, actor, data, alt_text, upload_dir, limits, now=None):
    """Add a photo to a kampung or an offering. Flushes. Raises NotAllowed, InvalidValue."""
    kampung = _owner_kampung(target)
    if not kampung.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise InvalidValue(_("Tulis keterangan foto untuk pembaca layar."), field="alt_text")
    if len(alt_text) > 200:
        raise InvalidValue(_("Keterangan foto maksimal 200 karakter."), field="alt_text")
    if len(target.photos) >= limits.per_item:
        raise InvalidValue(_("Paling banyak %(n)d foto.", n=limits.per_item), field="photo")
    display, thumb, (width, height) = process_image(data, limits)
    stem = secrets.token_hex(16)
    photo = Photo(kampung=kampung, offering=None if target is kampung else target, stem=stem,
                  alt_text=alt_text, width=width, height=height,
                  position=max((p.position for p in target.photos), default=-1) + 1)
    os.makedirs(upload_dir, exist_ok=True)
    paths = [os.path.join(upload_dir, photo.display_name), os.path.join(upload_dir, photo.thumb_name)]
    for path, content in zip(paths, (display, thumb)):
        with open(path, "wb") as fh:
            fh.write(content)
    on_rollback(db.session, lambda: _remove_files(paths))
    db.session.add(photo)
    db.session.flush()
    db.session.expire(target, ["photos"])
    audit.record("photo.added", actor=actor, target=photo, kelurahan=kampung.kelurahan, now=now,
                 owner=f"{type(target).__name__.lower()}:{target.id}")
    db.session.flush()
    return photo


def remove_photo(photo, *, actor, upload_dir, now=None):
    """Delete a photo; its files go after commit."""
    if not photo.kampung.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    paths = [os.path.join(upload_dir, photo.display_name), os.path.join(upload_dir, photo.thumb_name)]
    audit.record("photo.removed", actor=actor, target=photo, kelurahan=photo.kampung.kelurahan,
                 now=now)
    owner = photo.offering or photo.kampung
    db.session.delete(photo)
    db.session.flush()
    db.session.expire(owner, ["photos"])
    after_commit(db.session, lambda: _remove_files(paths))


def make_cover(photo, *, actor):
    """Put a photo first: the cover of its kampung or offering."""
    if not photo.kampung.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    owner = photo.offering or photo.kampung
    others = [p for p in owner.photos if p.id != photo.id]
    photo.position = 0
    for n, other in enumerate(others, start=1):
        other.position = n
    db.session.flush()
    db.session.expire(owner, ["photos"])


def _remove_files(paths):
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
