"""SQLAlchemy models, one module per aggregate."""
from keren.models.audit import AuditEntry
from keren.models.booking import Booking, BookingStatus, SlotStatus, VisitSlot
from keren.models.kampung import Kampung, KampungMember, MemberRole, Photo
from keren.models.offering import Offering, Pillar
from keren.models.place import Kecamatan, Kelurahan
from keren.models.report import Notification, Report, ReportStatus
from keren.models.searchlog import SearchLog
from keren.models.stats import MonthlyStat, PageStat, SearchStat
from keren.models.status import Status
from keren.models.user import Role, User

__all__ = ["AuditEntry", "Booking", "BookingStatus", "SlotStatus", "VisitSlot", "Kampung", "KampungMember", "Kecamatan", "Kelurahan", "MemberRole",
           "MonthlyStat", "Notification", "Offering", "PageStat", "Photo", "Pillar", "Report",
           "ReportStatus", "Role", "SearchLog", "SearchStat", "Status", "User"]
