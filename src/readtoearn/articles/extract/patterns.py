"""The words, classes and limits by which a news page's chrome, boxes and lead are recognised."""

from __future__ import annotations

import re

# Words that, as one part of a class or id ("post-share-buttons"), mark site chrome.
CHROME_WORDS = frozenset(
    {
        "promo", "promotion", "promoted", "advert", "advertisement", "ads", "adsbygoogle",
        "sponsor", "sponsored", "newsletter", "subscribe", "subscription", "signup", "optin",
        "disclaimer", "share", "sharing", "sharedaddy", "social", "addtoany", "a2a", "related",
        "relatedposts", "yarpp", "recommended", "comments", "comment", "respond", "disqus",
        "breadcrumb", "breadcrumbs", "sidebar", "navigation", "nav", "menu", "footer", "cookie",
        "popup", "summarize", "summarise", "tags", "taglist", "pagination", "authorbox",
        "outbrain", "taboola",
    }
)  # fmt: skip
CHROME_PHRASES = re.compile(
    r"author[-_]?(box|bio|info|card|details|profile)|about[-_]the[-_]author|about[-_]author|"
    r"sign[-_]up|read[-_](also|more|next)|more[-_](stories|articles)|also[-_]read|"
    r"post[-_]navigation|nav[-_]links|entry[-_]footer|jp[-_]relatedposts|ai[-_]summary",
    re.IGNORECASE,
)
# Elements never removed by a class match: the article itself, or its text.
PROTECTED_TAGS = frozenset({"html", "body", "article", "main", "p", "h1", "h2", "h3"})

# Rows and boxes recognised by their words (English and French).
CHROME_TEXT = re.compile(
    r"^\s*("
    r"summari[sz]e (this|the) article with|r[ée]sume[rz]? (cet|l[’'])article avec|"
    r"share (this|the) (article|story|post)|share on|partage[rz]? (cet|l[’'])article|"
    r"(sign up|subscribe) (for|to) (our|the)|inscrivez-vous [àa] (notre|la) newsletter|"
    r"abonnez-vous [àa] (notre|la) newsletter|read also|read more|related (articles|stories)|"
    r"you may also like|[àa] lire aussi|lire aussi|sur le m[êe]me sujet|articles similaires|"
    r"vous aimerez aussi|leave a (reply|comment)|laisser un commentaire|"
    r"\d+ (comments?|commentaires?)"
    r")",
    re.IGNORECASE,
)
DISCLAIMER_TEXT = re.compile(
    r"not (financial|investment) advice|not constitute (financial |investment )?advice|"
    r"ne constitue(nt)? pas (un|des) conseils? (en investissement|financiers?|d[’']investissement)|"
    r"do your own research|faites vos propres recherches|^\s*(disclaimer|avertissement)\s*:",
    re.IGNORECASE,
)
FEED_FOOTER = re.compile(r"appeared first on|est apparu en premier sur", re.IGNORECASE)
PROMO_TEXT = re.compile(r"\bread[\s-]to[\s-]earn\b", re.IGNORECASE)
CALL_TO_ACTION = re.compile(
    r"sign up|join|subscribe|register|inscri|rejoign|abonne|cr[ée]ez votre compte", re.IGNORECASE
)

KEY_POINTS_TITLE = re.compile(
    r"^\s*(en bref|in brief|briefly|l[’']essentiel|key points|key takeaways|takeaways|"
    r"[àa] retenir|ce qu[’']il faut retenir|the essentials|at a glance|tl;?dr|summary|"
    r"en r[ée]sum[ée]|points cl[ée]s)\s*:?\s*$",
    re.IGNORECASE,
)
KEY_POINTS_CLASS = re.compile(
    r"en[-_]?bref|in[-_]?brief|key[-_]?points|keypoints|takeaways|essentiel|a[-_]retenir|tldr",
    re.IGNORECASE,
)
LEAD_CLASS = re.compile(
    r"^(lead|lede|chapo|chapeau|standfirst|excerpt|dek|intro|kicker-lead|"
    r"(article|entry|post|story)[-_](lead|lede|chapo|chapeau|standfirst|excerpt|intro|dek|"
    r"summary|subtitle|sous-titre)|chapo[-_]\w+|lead[-_](paragraph|text))$",
    re.IGNORECASE,
)
ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "TechArticle",
        "ScholarlyArticle", "Report", "LiveBlogPosting", "SocialMediaPosting",
    }
)  # fmt: skip
HOME_CRUMBS = frozenset({"home", "accueil", "homepage", "start", "index"})
LAZY_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url")
MAX_BOX_CHARS = 2500
MAX_CHROME_SHARE = 0.35
SHORT_BODY_CHARS = 1000
MIN_LEAD_CHARS = 40
MAX_CAPTION_CHARS = 600
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
NON_ASCII = re.compile(r"[^\x00-\x7f]")
# What `surrogateescape` makes of a byte that is not UTF-8.
STRAY_BYTE = re.compile(r"[\udc80-\udcff]")
