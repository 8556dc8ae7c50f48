"""Error pages in the site's style and the user's language."""
from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from keren.extensions import db

def _messages():
    # Listed through gettext so that extraction finds them.
    return {
        400: (_("Permintaan tidak valid"), _("Permintaan Anda tidak dapat diproses.")),
        403: (_("Akses ditolak"), _("Anda tidak punya izin untuk membuka halaman ini.")),
        404: (_("Halaman tidak ditemukan"),
              _("Halaman yang Anda cari tidak ada atau sudah dipindahkan.")),
        405: (_("Metode tidak diizinkan"), _("Halaman ini tidak menerima permintaan seperti itu.")),
        413: (_("Berkas terlalu besar"), _("Berkas yang Anda kirim melebihi batas ukuran.")),
        429: (_("Terlalu banyak percobaan"),
              _("Anda mencoba terlalu sering. Tunggu sebentar lalu coba lagi.")),
        500: (_("Terjadi kesalahan"), _("Maaf, ada masalah di server kami. Silakan coba lagi nanti.")),
    }


def render_error(code, exc=None):
    title, message = _messages()[code]
    headers = {}
    # RFC 9110: a 405 says which methods the resource does allow.
    if code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return render_template("errors/error.html", code=code, title=title, message=message), \
        code, headers


def init_app(app):
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda exc, code=code: render_error(code, exc))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        title = _("Formulir kedaluwarsa")
        message = _("Halaman formulir sudah terlalu lama terbuka atau sesi Anda berganti. "
                    "Muat ulang halaman lalu kirim lagi.")
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(500)
    def _server_error(exc):
        db.session.rollback()
        try:
            return render_error(500)
        except Exception:  # the error page itself failed: answer plainly rather than not at all
            app.logger.exception("error page failed")
            return "500: Terjadi kesalahan / Internal server error", 500, {"Content-Type": "text/plain"}
