"""Full-text search over the articles, related articles and language editions.

One search for both languages, each article matched with its own language's stemming:
- SQLite (out of the box): an FTS5 table, `article_search`, of stemmed words. FTS5's own
  stemmer (`porter`) is English only, so words are stemmed here, in Python, with the Snowball
  stemmers (French or English by the article's language), and the table's `unicode61
  remove_diacritics 2` tokenizer folds the accents. A query term matches its French or its
  English stem. Every flush of an article rewrites its row (an ORM event, so every writer keeps
  it in step); a trigger of migration 0016 removes the row of a deleted article.
- PostgreSQL (production): a generated column, `articles.article_search_vector`, the
  `to_tsvector('french' | 'english', ...)` chosen by the article's language, of the text with
  its accents taken off, with its GIN index (migration 0016), queried with
  `websearch_to_tsquery` in both configurations; PostgreSQL keeps it in step.
A query is read as plain words: quotes, `*`, `-`, NEAR, parentheses and the like are dropped
before the database sees it, so no input is a syntax error. Snippets are cut and highlighted
here, as (text, matched) segments that the page escapes.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session, selectinload

from readtoearn.articles.models import Article
from readtoearn.errors import InvalidInput

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
SNIPPET_WORDS = 30
RELATED_LIMIT = 4
INDEXED = ("title", "lead", "text", "language")
STEMMER_NAMES = {"fr": "french", "en": "english"}
# Letters and digits, with the combining accents that follow them (a decomposed "é" stays one
# word); everything else, the underscore included, splits.
_WORD = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")
_local = threading.local()

# The tsvector PostgreSQL computes and indexes (migration 0016): title A, lead and body B.
PG_DOCUMENT = "a.article_search_vector"
# Withdrawn through the article API (kept for their readers' history, found no more), or
# unpublished or deleted from the console (`articles.status`, articles/service.py): not shown.
NOT_WITHDRAWN = (
    "NOT EXISTS (SELECT 1 FROM site_articles w "
    "WHERE w.article_id = a.id AND w.withdrawn_at IS NOT NULL)"
)
STATUS = "a.status = 'published'"


def _shown(session: Session) -> str:
    """The SQL condition on `articles a` of an article readers may find."""
    return f"{NOT_WITHDRAWN} AND {STATUS}"


@dataclass(frozen=True)
class Hit:
    """One search result: the article and its title and snippet as (text, matched) segments."""

    article: Article
    title: list[tuple[str, bool]]
    snippet: list[tuple[str, bool]]


@dataclass(frozen=True)
class Results:
    query: str
    terms: list[str]
    hits: list[Hit]
    total: int


def _stemmer(language: str) -> Any:
    # Snowball stemmers keep state between calls: one per thread.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(STEMMER_NAMES.get(language, "english"))
    return stemmers[language]


def fold(word: str) -> str:
    """A word without its accents, as FTS5's `remove_diacritics 2` compares it."""
    decomposed = unicodedata.normalize("NFD", word)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


@lru_cache(maxsize=100_000)
def stem(word: str, language: str) -> str:
    """A word's stem in a language (fr or en), case-folded, accents kept."""
    return str(_stemmer(language).stemWord(unicodedata.normalize("NFC", word).casefold()))


@lru_cache(maxsize=200_000)
def match_key(word: str, language: str) -> str:
    """What a word of a text is compared on: its stem without accents (cached: snippets look at
    every word of the articles shown)."""
    return fold(stem(word, language))


def words(value: str) -> list[str]:
    """The words of a text, case-folded (letters and digits; every other character splits)."""
    return _WORD.findall(unicodedata.normalize("NFC", value).casefold())


def stemmed(value: str, language: str) -> str:
    """A text as the SQLite index keeps it: its words' stems, space-separated."""
    return " ".join(stem(w, language) for w in words(value))


def query_terms(query: str) -> list[str]:
    """The plain words of a query (InvalidInput when it is empty or too long); operators and
    punctuation are dropped, so nothing the reader types is a syntax error."""
    query = query.strip()
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the search is too long (at most {MAX_QUERY_CHARS} characters)")
    terms = list(dict.fromkeys(words(query)))
    if not terms:
        raise InvalidInput("type one or more words to search for")
    return terms[:MAX_TERMS]


def _fts_match(terms: list[str]) -> str:
    """An FTS5 MATCH expression: every term, by its French or its English stem."""
    parts = []
    for term in terms:
        stems = sorted({fold(stem(term, "fr")), fold(stem(term, "en"))})
        quoted = [f'"{s}"' for s in stems]
        parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return " AND ".join(parts)


def _pg_query(terms: list[str], joiner: str = " ") -> str:
    # Each word quoted: websearch_to_tsquery then reads "or" and "-" as words, not operators.
    # Accents folded, as the indexed column's are (migration 0016).
    return joiner.join(f'"{fold(t)}"' for t in terms)


def search(
    session: Session,
    query: str,
    *,
    language: str | None = None,
    limit: int = 10,
    offset: int = 0,
) -> Results:
    """Articles matching every word of `query`, best first, of one language or of all."""
    terms = query_terms(query)
    where = [_shown(session)]
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if language:
        where.append("a.language = :language")
        params["language"] = language
    if session.get_bind().dialect.name == "postgresql":
        params["q"] = _pg_query(terms)
        source = (
            "FROM articles a, (SELECT websearch_to_tsquery('french', :q) || "
            "websearch_to_tsquery('english', :q) AS query) q "
            f"WHERE {PG_DOCUMENT} @@ q.query AND " + " AND ".join(where)
        )
        rank, order = f"ts_rank_cd({PG_DOCUMENT}, q.query)", "DESC"  # higher is better
    else:
        params["q"] = _fts_match(terms)
        source = (
            "FROM article_search s JOIN articles a ON a.id = s.article_id "
            "WHERE article_search MATCH :q AND " + " AND ".join(where)
        )
        rank, order = "bm25(article_search, 0.0, 5.0, 1.0)", "ASC"  # lower is better
    # The page and the count in one pass over the matches; a page past the last one has no row
    # to carry the count, so it is then counted apart.
    # (FTS5's bm25() cannot sit beside a window function: it is computed in a subquery.)
    rows = session.execute(
        text(
            "SELECT m.id, count(*) OVER () FROM "  # noqa: S608
            f"(SELECT a.id AS id, {rank} AS rank, a.published_at AS published_at {source}) m "
            f"ORDER BY m.rank {order}, m.published_at DESC NULLS LAST, m.id "
            "LIMIT :limit OFFSET :offset"
        ),
        params,
    ).all()
    if rows:
        total = rows[0][1]
    else:
        total = session.execute(text(f"SELECT count(*) {source}"), params).scalar_one()
    ids = _ids(rows)
    loaded = {
        a.id: a
        for a in session.scalars(
            select(Article)
            .where(Article.id.in_(ids))
            .options(selectinload(Article.authors), selectinload(Article.categories))
        )
    }
    hits = []
    for article_id in ids:
        article = loaded[article_id]
        wanted = {match_key(t, article.language) for t in terms}
        hits.append(
            Hit(
                article=article,
                title=highlight(article.title, wanted, article.language, whole=True),
                snippet=highlight(
                    " ".join(p for p in (article.lead, article.text) if p),
                    wanted,
                    article.language,
                ),
            )
        )
    return Results(query=query.strip(), terms=terms, hits=hits, total=int(total))


def highlight(
    value: str, wanted: set[str], language: str, *, whole: bool = False
) -> list[tuple[str, bool]]:
    """`value` cut to the passage with the most matched words (all of it when `whole`), as
    (text, matched) segments; a word matches when its folded stem is in `wanted`."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(value)]
    matched = [match_key(value[s:e], language) in wanted for s, e in spans]
    first, last = 0, len(spans)
    if not whole and len(spans) > SNIPPET_WORDS:
        best, best_count = 0, -1
        for i in (i for i, hit in enumerate(matched) if hit):
            start = max(0, i - 5)
            count = sum(matched[start : start + SNIPPET_WORDS])
            if count > best_count:
                best, best_count = start, count
        first, last = best, min(len(spans), best + SNIPPET_WORDS)
    if not spans:
        return [(value, False)] if value else []
    begin = 0 if first == 0 else spans[first][0]
    end = len(value) if last == len(spans) else spans[last - 1][1]
    segments: list[tuple[str, bool]] = []
    if first > 0:
        segments.append(("… ", False))
    cursor = begin
    for (s, e), hit in zip(spans[first:last], matched[first:last], strict=True):
        if hit:
            if s > cursor:
                segments.append((value[cursor:s], False))
            segments.append((value[s:e], True))
            cursor = e
    if end > cursor:
        segments.append((value[cursor:end], False))
    if last < len(spans):
        segments.append((" …", False))
    return segments


# -- keeping the SQLite index in step ----------------------------------------------------------


def fts_rowid(article_id: uuid.UUID) -> int:
    """An article's row in the FTS5 table: the low 63 bits of its id (62 of them random), so
    that rewriting it is a lookup, not a scan."""
    return article_id.int & ((1 << 63) - 1)


def index_articles(session: Session, articles: Iterable[Article]) -> None:
    """Write the SQLite index rows of these articles (nothing to do on PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    rows = []
    for article in articles:
        body = " ".join(p for p in (article.lead, article.text) if p)
        rows.append(
            {
                "rowid": fts_rowid(article.id),
                "id": article.id.hex,
                "t": stemmed(article.title, article.language),
                "b": stemmed(body, article.language),
            }
        )
    if rows:
        connection.execute(text("DELETE FROM article_search WHERE rowid = :rowid"), rows)
        connection.execute(
            text(
                "INSERT INTO article_search (rowid, article_id, title, body) "
                "VALUES (:rowid, :id, :t, :b)"
            ),
            rows,
        )


def reindex(session: Session) -> int:
    """Write the SQLite index again for every article (after a change of stemmer, say); the
    number of articles indexed. PostgreSQL computes its own: 0."""
    if session.connection().dialect.name != "sqlite":
        return 0
    session.execute(text("DELETE FROM article_search"))
    count = 0
    last: uuid.UUID | None = None
    while True:
        query = select(Article).order_by(Article.id).limit(500)
        if last is not None:
            query = query.where(Article.id > last)
        batch = list(session.scalars(query))
        if not batch:
            return count
        index_articles(session, batch)
        count += len(batch)
        last = batch[-1].id
        session.expunge_all()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    changed = [obj for obj in session.new if isinstance(obj, Article)]
    changed += [
        obj
        for obj in session.dirty
        if isinstance(obj, Article)
        and any(inspect(obj).attrs[name].history.has_changes() for name in INDEXED)
    ]
    if changed:
        index_articles(session, changed)


# -- related articles and language editions ----------------------------------------------------


def list_related(session: Session, article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Up to `limit` other articles of the same language: those sharing the most categories
    (two points each) and authors (one each); then, when they are too few, those whose text
    has the most of this one's title words (the search index); then the latest. Never the
    article itself, nor a hidden or withdrawn one."""
    params = {"id": article.id, "language": article.language, "limit": limit}
    if session.get_bind().dialect.name == "sqlite":
        params["id"] = article.id.hex
    # Only constant SQL is formatted in (_shown); every value is a bound parameter.
    rows = session.execute(
        text(
            "SELECT a.id, coalesce(sum(shared.weight), 0) FROM articles a LEFT JOIN ("  # noqa: S608
            " SELECT ac.article_id, 2 AS weight FROM article_categories ac"
            "  JOIN article_categories mine ON mine.category_id = ac.category_id"
            "  WHERE mine.article_id = :id"
            " UNION ALL"
            " SELECT aa.article_id, 1 AS weight FROM article_authors aa"
            "  JOIN article_authors mine ON mine.author_id = aa.author_id"
            "  WHERE mine.article_id = :id"
            ") shared ON shared.article_id = a.id "
            f"WHERE a.language = :language AND a.id <> :id AND {_shown(session)} "
            "GROUP BY a.id, a.published_at, a.created_at "
            "ORDER BY coalesce(sum(shared.weight), 0) DESC, "
            "a.published_at DESC NULLS LAST, a.created_at DESC, a.id LIMIT :limit"
        ),
        params,
    ).all()
    ids = _ids(rows)
    sharing = [i for i, row in zip(ids, rows, strict=True) if row[1] > 0]
    if len(sharing) < len(ids):
        similar = [i for i in _similar(session, article, limit) if i not in sharing]
        latest = [i for i in ids if i not in sharing and i not in similar]
        ids = (sharing + similar + latest)[:limit]
    loaded = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
    return [loaded[i] for i in ids]


def _similar(session: Session, article: Article, limit: int) -> list[uuid.UUID]:
    """Articles of the same language whose text has any of this one's title words, the most
    alike first (the search index's ranking)."""
    terms = [w for w in dict.fromkeys(words(article.title)) if len(w) > 3][:MAX_TERMS]
    if not terms:
        return []
    params: dict[str, Any] = {"language": article.language, "limit": limit}
    if session.get_bind().dialect.name == "postgresql":
        params["id"] = article.id
        params["config"] = STEMMER_NAMES.get(article.language, "english")
        params["q"] = _pg_query(terms, " or ")
        source = (
            "FROM articles a, (SELECT websearch_to_tsquery(CAST(:config AS regconfig), :q) "
            f"AS query) q WHERE {PG_DOCUMENT} @@ q.query"
        )
        rank = f"ts_rank_cd({PG_DOCUMENT}, q.query) DESC"
    else:
        params["id"] = article.id.hex
        stems = sorted({f'"{match_key(t, article.language)}"' for t in terms})
        params["q"] = " OR ".join(stems)
        source = (
            "FROM article_search s JOIN articles a ON a.id = s.article_id "
            "WHERE article_search MATCH :q"
        )
        rank = "bm25(article_search, 0.0, 5.0, 1.0)"
    rows = session.execute(
        text(
            f"SELECT a.id {source} AND a.language = :language AND a.id <> :id "
            f"AND {_shown(session)} ORDER BY {rank}, a.id LIMIT :limit"
        ),
        params,
    ).all()
    return _ids(rows)


def translation_group(urls: Iterable[str | None]) -> str | None:
    """The key shared by a page and its other-language editions: a digest of the first of their
    URLs in order (each edition, declaring the others, finds the same one); None for a page
    that declares no other edition."""
    unique = sorted({u.strip() for u in urls if u and u.strip()})
    if len(unique) < 2:
        return None
    return hashlib.sha256(unique[0].encode()).hexdigest()


def list_translations(session: Session, article: Article) -> list[Article]:
    """The article's editions in other languages, by language."""
    if not article.translation_group:
        return []
    params = {
        "group": article.translation_group,
        "id": article.id.hex if session.get_bind().dialect.name == "sqlite" else article.id,
        "language": article.language,
    }
    rows = session.execute(
        text(
            "SELECT a.id FROM articles a WHERE a.translation_group = :group AND a.id <> :id "  # noqa: S608
            f"AND a.language <> :language AND {_shown(session)} "
            "ORDER BY a.language, a.published_at DESC NULLS LAST, a.id"
        ),
        params,
    ).all()
    ids = _ids(rows)
    loaded = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
    found: dict[str, Article] = {}
    for key in ids:
        found.setdefault(loaded[key].language, loaded[key])
    return list(found.values())


def _ids(rows: Iterable[Any]) -> list[uuid.UUID]:
    # SQLite hands back the hex text the Uuid type stores; PostgreSQL, UUIDs.
    return [r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(str(r[0])) for r in rows]
