"""Template globals and filters: money, WIB times, labels."""
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime, get_locale, gettext as _

from keren.models.offering import AUDIENCES, PILLAR_LABELS, PRICE_UNITS, STOCK_MODES, Pillar
from keren.models.report import REPORT_CATEGORIES
from keren.models.status import STATUS_LABELS

WIB = ZoneInfo("Asia/Jakarta")


def current_locale():
    return str(get_locale() or "id")


def rupiah(value, free=True):
    """Whole rupiah as Rp15.000. A price of None or 0 is "Gratis"; a sum (free=False), Rp0."""
    if not value and free:
        return _("Gratis")
    return "Rp" + number(value)


def wib(value, fmt="d MMM yyyy, HH.mm"):
    """A UTC datetime shown in Asia/Jakarta time, e.g. 9 Nov 2026, 10.00 WIB."""
    if value is None:
        return ""
    return format_datetime(value.astimezone(WIB), fmt, rebase=False) + " WIB"


def visit_time(slot):
    """A slot's date and hours in WIB, e.g. Sabtu, 5 Desember 2026, pukul 09.00–11.00 WIB."""
    starts, ends = slot.starts_at.astimezone(WIB), slot.ends_at.astimezone(WIB)
    return _("%(date)s, pukul %(start)s–%(end)s WIB",
             date=format_datetime(starts, "EEEE, d MMMM yyyy", rebase=False),
             start=format_datetime(starts, "HH.mm", rebase=False),
             end=format_datetime(ends, "HH.mm", rebase=False))


def span(minutes):
    """A duration in minutes for people: "45 menit", "3 jam 20 menit", "2 hari 4 jam"."""
    if minutes is None:
        return "—"
    minutes = int(round(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s hari %(h)s jam", d=days, h=hours) if hours else _("%(d)s hari", d=days)
    if hours:
        return _("%(h)s jam %(m)s menit", h=hours, m=mins) if mins else _("%(h)s jam", h=hours)
    return _("%(m)s menit", m=mins)


def number(value):
    """A whole number with Indonesian thousands dots: 12.345."""
    return f"{int(value or 0):,}".replace(",", ".")


def month(value):
    """The 1st of a month as "Nov 2026"."""
    return format_date(value, "MMM yyyy")


def init_app(app):
    app.jinja_env.globals.update(
        current_locale=current_locale, PILLARS=list(Pillar), PILLAR_LABELS=PILLAR_LABELS,
        STATUS_LABELS=STATUS_LABELS, AUDIENCES=AUDIENCES, REPORT_CATEGORIES=REPORT_CATEGORIES,
        PRICE_UNITS=PRICE_UNITS, STOCK_MODES=STOCK_MODES)
    app.jinja_env.filters.update(rupiah=rupiah, wib=wib, visit_time=visit_time, span=span,
                               number=number, month=month)
