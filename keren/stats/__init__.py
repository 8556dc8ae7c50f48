"""The programme's figures: the dashboard for admins, a kampung's own figures for its
managers, the public Transparansi page and the scorecard downloads; page views and WhatsApp
clicks are counted here too."""
from keren.stats.views import bp

__all__ = ["bp"]
