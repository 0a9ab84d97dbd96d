"""URLs of the feeds, the sitemap and robots.txt (issue #4 §5).

Feeds: ``/feeds/documents.atom`` (or ``.rss``), ``/feeds/units/<code>.atom``,
``/feeds/topics/<topic>.atom``, ``/feeds/key-areas/<area>.atom``; in English under ``/en/``.
"""

from django.urls import URLPattern, path, re_path

from gongkai.portal import feeds, sitemaps

FORMAT = r"\.(?P<fmt>atom|rss)$"

urlpatterns: list[URLPattern] = [
    path("feeds/", feeds.feed_index, name="feeds"),
    re_path(r"^feeds/documents" + FORMAT, feeds.document_feed, name="feed_documents"),
    re_path(r"^feeds/units/(?P<code>[^/]+)" + FORMAT, feeds.document_feed, name="feed_unit"),
    re_path(r"^feeds/topics/(?P<topic>[^/]+)" + FORMAT, feeds.document_feed, name="feed_topic"),
    re_path(
        r"^feeds/key-areas/(?P<area>[^/]+)" + FORMAT, feeds.document_feed, name="feed_key_area"
    ),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    re_path(
        r"^sitemap-(?P<section>[a-z]+)\.xml$", sitemaps.sitemap_section, name="sitemap_section"
    ),
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
]
