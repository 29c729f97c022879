"""Versioned schema migrations. Append new migrations; never edit a released one.

The applied version is kept in ``PRAGMA user_version`` and each applied migration is recorded in
``schema_migrations``. A database whose version is newer than :data:`LATEST` is refused.
"""

from __future__ import annotations

APPLICATION_ID = 0x53544C4E  # "STLN": marks a file as a storyline database

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "initial schema: sources, articles, removals, rejects, fingerprints, duplicates",
        """
        CREATE TABLE schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,           -- running | done | failed (a killed run stays 'running')
            args TEXT NOT NULL,             -- JSON
            stats TEXT                      -- JSON, per stage counters
        );
        -- one row per input file; status 'done' once every record of it is stored
        CREATE TABLE sources (
            path TEXT PRIMARY KEY,          -- absolute path
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            status TEXT NOT NULL,           -- done | partial
            n_articles INTEGER NOT NULL DEFAULT 0,
            n_rejects INTEGER NOT NULL DEFAULT 0,
            run_id INTEGER,
            processed_at TEXT NOT NULL
        );
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            source_id TEXT NOT NULL,
            source_path TEXT NOT NULL,
            fmt TEXT NOT NULL,
            provenance TEXT NOT NULL,       -- JSON
            title TEXT,
            subtitle TEXT,
            byline TEXT,
            published TEXT,
            published_source TEXT,
            outlet TEXT,
            url TEXT,
            language TEXT,
            meta_sources TEXT NOT NULL,     -- JSON: field -> where its value came from
            text TEXT NOT NULL,
            original TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            n_words INTEGER NOT NULL,
            duplicate_of TEXT,
            group_id TEXT,
            run_id INTEGER,
            seq INTEGER NOT NULL            -- insertion order, for stable paging
        );
        CREATE UNIQUE INDEX articles_seq ON articles(seq);
        CREATE INDEX articles_group ON articles(group_id);
        CREATE INDEX articles_hash ON articles(content_hash);
        CREATE TABLE removals (
            article_id TEXT NOT NULL REFERENCES articles(id),
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            reason TEXT NOT NULL,
            rule TEXT,
            PRIMARY KEY (article_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX removals_reason ON removals(reason);
        CREATE TABLE rejects (
            id INTEGER PRIMARY KEY,
            source_path TEXT NOT NULL,
            record INTEGER,
            "offset" INTEGER,
            doc_id TEXT,
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            run_id INTEGER
        );
        CREATE UNIQUE INDEX rejects_key ON rejects(source_path, ifnull(record, -1), stage, reason);
        CREATE TABLE fingerprints (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            data BLOB NOT NULL
        ) WITHOUT ROWID;
        -- pairwise evidence found by dedup; groups are derived from it
        CREATE TABLE dup_matches (
            a TEXT NOT NULL,
            b TEXT NOT NULL,
            reason TEXT NOT NULL,
            similarity REAL NOT NULL,
            containment REAL NOT NULL,
            PRIMARY KEY (a, b)
        ) WITHOUT ROWID;
        CREATE TABLE dup_groups (
            group_id TEXT PRIMARY KEY,
            canonical_id TEXT NOT NULL,
            n_members INTEGER NOT NULL,
            outlets TEXT NOT NULL           -- JSON list
        ) WITHOUT ROWID;
        CREATE TABLE duplicates (
            article_id TEXT PRIMARY KEY,
            group_id TEXT NOT NULL,
            canonical_id TEXT NOT NULL,
            is_canonical INTEGER NOT NULL,
            reason TEXT,                    -- how it matched the canonical (null for the canonical)
            similarity REAL,
            containment REAL
        ) WITHOUT ROWID;
        CREATE INDEX duplicates_group ON duplicates(group_id);
        """,
    ),
    (
        2,
        "facts: actors, aliases, mentions, timexes, quotes, per-article facts status and publication date",
        """
        -- the actor registry as used by this knowledge base: bundled actors that were mentioned,
        -- actors first met in an article ('discovered') and user-added ones ('user')
        CREATE TABLE actors (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            country TEXT,
            sector TEXT,
            origin TEXT NOT NULL,           -- bundled | discovered | user
            attrs TEXT NOT NULL DEFAULT '{}'  -- JSON
        ) WITHOUT ROWID;
        CREATE TABLE aliases (
            alias TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            PRIMARY KEY (alias, actor_id)
        ) WITHOUT ROWID;
        CREATE INDEX aliases_actor ON aliases(actor_id);
        -- user edits of the registry (add, merge, split), replayed on the bundled registry at every run
        CREATE TABLE actor_edits (
            id INTEGER PRIMARY KEY,
            op TEXT NOT NULL,               -- add | merge | split
            args TEXT NOT NULL,             -- JSON
            applied_at TEXT NOT NULL
        );
        CREATE TABLE mentions (
            article_id TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            kind TEXT NOT NULL,             -- name | title | description | demonym | metonym | pronoun
            country TEXT,
            sector TEXT,
            PRIMARY KEY (article_id, start, "end", actor_id)
        ) WITHOUT ROWID;
        CREATE INDEX mentions_actor ON mentions(actor_id);
        CREATE TABLE timexes (
            article_id TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            type TEXT NOT NULL,
            value TEXT,
            mod TEXT,
            reason TEXT,
            PRIMARY KEY (article_id, start, "end")
        ) WITHOUT ROWID;
        CREATE TABLE quotes (
            article_id TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL,             -- direct | partial | indirect
            speaker_id TEXT,
            speaker_name TEXT,
            speaker_start INTEGER,
            speaker_end INTEGER,
            speaker_text TEXT,
            cue TEXT,
            cue_start INTEGER,
            cue_end INTEGER,
            channel TEXT,
            channel_start INTEGER,
            channel_end INTEGER,
            attrs TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (article_id, start, "end")
        ) WITHOUT ROWID;
        CREATE INDEX quotes_speaker ON quotes(speaker_id);
        -- one row per article the facts stage has processed: what it used and what it found
        CREATE TABLE article_facts (
            article_id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,       -- facts stage version; older versions are recomputed
            dct_input TEXT,                 -- the `published` value the timexes were resolved against
            status TEXT NOT NULL,           -- ok | skipped
            reason TEXT,                    -- why skipped or what was special (not_english, chunked, ...)
            detail TEXT,                    -- the exception, when reason is internal_error
            date_value TEXT,                -- resolved publication date
            date_provenance TEXT NOT NULL,  -- metadata | dateline | content | unknown
            date_confidence REAL NOT NULL,
            date_start INTEGER,
            date_end INTEGER,
            n_mentions INTEGER NOT NULL,
            n_timexes INTEGER NOT NULL,
            n_quotes INTEGER NOT NULL,
            run_id INTEGER
        ) WITHOUT ROWID;
        """,
    ),
    (
        3,
        "events: PLOVER event mentions per article, merged events",
        """
        -- one row per event mention the coder found in an article (offsets into the clean text)
        CREATE TABLE event_mentions (
            article_id TEXT NOT NULL,
            seq INTEGER NOT NULL,           -- order in the article
            start INTEGER NOT NULL,         -- the sentence: the evidence
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            trigger_start INTEGER NOT NULL,
            trigger_end INTEGER NOT NULL,
            trigger TEXT NOT NULL,
            type TEXT NOT NULL,             -- PLOVER root type under PLOVER's coding conventions
            described_type TEXT NOT NULL,   -- the type of the action as described (before conventions)
            mode TEXT,
            context TEXT NOT NULL,          -- JSON list
            quad INTEGER NOT NULL,
            intensity REAL NOT NULL,
            actor_ids TEXT NOT NULL,        -- JSON list
            recipient_ids TEXT NOT NULL,    -- JSON list
            roles TEXT NOT NULL,            -- JSON: actors and recipients with spans, country, sector
            date TEXT,
            date_source TEXT NOT NULL,
            date_start INTEGER,
            date_end INTEGER,
            location TEXT,
            location_start INTEGER,
            location_end INTEGER,
            location_country TEXT,
            negated INTEGER NOT NULL,
            hypothetical INTEGER NOT NULL,
            future INTEGER NOT NULL,
            historical INTEGER NOT NULL,
            reported_in_quote INTEGER NOT NULL,
            cues TEXT NOT NULL,             -- JSON: the words that set each flag, with spans
            rule TEXT NOT NULL,
            coder TEXT NOT NULL,
            event_id TEXT,                  -- the merged event it belongs to
            PRIMARY KEY (article_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX event_mentions_event ON event_mentions(event_id);
        -- one row per real-world event: mentions across sentences, articles and copies merged
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            mode TEXT,
            context TEXT NOT NULL,          -- JSON list
            quad INTEGER NOT NULL,
            intensity REAL NOT NULL,
            actor_ids TEXT NOT NULL,        -- JSON list
            recipient_ids TEXT NOT NULL,    -- JSON list
            date TEXT,
            date_source TEXT NOT NULL,
            location TEXT,
            location_country TEXT,
            negated INTEGER NOT NULL,
            hypothetical INTEGER NOT NULL,
            future INTEGER NOT NULL,
            historical INTEGER NOT NULL,
            n_mentions INTEGER NOT NULL,
            n_articles INTEGER NOT NULL,
            n_sources INTEGER NOT NULL,     -- independent sources: duplicate groups count once
            first_article_id TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        4,
        "stories: story clusters, their members, arcs, user edits, clusterer state",
        """
        CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
        -- who takes part in each merged event (index for actor pages and dyads)
        CREATE TABLE event_actors (
            actor_id TEXT NOT NULL,
            role TEXT NOT NULL,             -- actor | recipient
            event_id TEXT NOT NULL,
            PRIMARY KEY (actor_id, role, event_id)
        ) WITHOUT ROWID;
        CREATE INDEX event_actors_event ON event_actors(event_id);
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            arc_id TEXT,
            title TEXT NOT NULL,
            date_start TEXT,
            date_end TEXT,
            n_articles INTEGER NOT NULL,
            n_outlets INTEGER NOT NULL,     -- distinct outlets of independent reports
            n_independent INTEGER NOT NULL, -- articles counting duplicate groups once
            n_copies INTEGER NOT NULL,      -- members that are duplicates/syndicated copies
            first_report TEXT,
            latest_report TEXT,
            key_actors TEXT NOT NULL,       -- JSON list of actor ids, most central first
            key_events TEXT NOT NULL,       -- JSON list of event ids
            attrs TEXT NOT NULL DEFAULT '{}'
        ) WITHOUT ROWID;
        CREATE TABLE story_members (
            article_id TEXT PRIMARY KEY,
            story_id TEXT NOT NULL,
            outlet TEXT,
            published TEXT,
            is_copy INTEGER NOT NULL        -- a later copy of a duplicate group already in the story
        ) WITHOUT ROWID;
        CREATE INDEX story_members_story ON story_members(story_id);
        CREATE TABLE arcs (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            story_ids TEXT NOT NULL,        -- JSON list
            key_actors TEXT NOT NULL        -- JSON list
        ) WITHOUT ROWID;
        CREATE TABLE story_edits (
            id INTEGER PRIMARY KEY,
            op TEXT NOT NULL,               -- merge | split
            args TEXT NOT NULL,             -- JSON
            applied_at TEXT NOT NULL
        );
        -- the incremental clusterer's state (a rebuildable cache: dropped, it is rebuilt from the articles)
        CREATE TABLE story_state (
            key TEXT PRIMARY KEY,
            data BLOB NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        5,
        "actor_stats: per-actor aggregates computed after each run (fast actor pages at scale)",
        """
        CREATE TABLE actor_stats (
            actor_id TEXT PRIMARY KEY,
            n_mentions INTEGER NOT NULL,
            n_articles INTEGER NOT NULL,
            n_canonical_articles INTEGER NOT NULL,
            n_quotes INTEGER NOT NULL,
            kinds TEXT NOT NULL,            -- JSON: mention kind -> count
            latest_articles TEXT NOT NULL,  -- JSON: up to 20 canonical article ids, latest first
            latest_quotes TEXT NOT NULL,    -- JSON: up to 50 [article_id, start, end] of its quotes, latest first
            dyads TEXT NOT NULL             -- JSON: new events per (partner, role, month), as the dyads export
        ) WITHOUT ROWID;
        """,
    ),
    (
        6,
        "story_claims: cross-source comparison of each story's facts (shared / unique per source)",
        """
        CREATE TABLE story_claims (
            story_id TEXT NOT NULL,
            claim INTEGER NOT NULL,         -- claim number within the story (shared claims first)
            article_id TEXT NOT NULL,
            start INTEGER NOT NULL,         -- the sentence that carries the claim in that article
            "end" INTEGER NOT NULL,
            source TEXT NOT NULL,           -- outlet, or "unknown outlet (article <id>)"
            text TEXT NOT NULL,
            n_sources INTEGER NOT NULL,     -- independent sources that carry the claim
            PRIMARY KEY (story_id, claim, article_id, start)
        ) WITHOUT ROWID;
        """,
    ),
    (
        7,
        "story_contradictions: conflicting statements between a story's independent sources, both sides kept",
        """
        CREATE TABLE story_contradictions (
            story_id TEXT NOT NULL,
            idx INTEGER NOT NULL,           -- 1-based, in the story's deterministic order
            kind TEXT NOT NULL,             -- date | number | negation | speaker
            subject TEXT NOT NULL,          -- what it is about, readable
            a_article_id TEXT NOT NULL,     -- side A: the span of A's clean text that states it
            a_start INTEGER NOT NULL,
            a_end INTEGER NOT NULL,
            a_text TEXT NOT NULL,
            a_value TEXT NOT NULL,          -- what A says (a date, a number, affirmed/negated, a speaker)
            b_article_id TEXT NOT NULL,
            b_start INTEGER NOT NULL,
            b_end INTEGER NOT NULL,
            b_text TEXT NOT NULL,
            b_value TEXT NOT NULL,
            PRIMARY KEY (story_id, idx)
        ) WITHOUT ROWID;
        """,
    ),
    (
        8,
        "actor_stats: first page of events per role, event counts, partners with most events, events per month",
        """
        -- derived columns, filled by the next run's actor refresh (NULL: not computed yet, the web app then
        -- queries live)
        ALTER TABLE actor_stats ADD COLUMN n_dyads INTEGER;
        ALTER TABLE actor_stats ADD COLUMN partners TEXT;        -- JSON: partners with most new events (exact top 30)
        ALTER TABLE actor_stats ADD COLUMN monthly TEXT;         -- JSON: new events per month, each event once
        ALTER TABLE actor_stats ADD COLUMN latest_events TEXT;   -- JSON: role -> first 50 event ids, newest first
        ALTER TABLE actor_stats ADD COLUMN n_events TEXT;        -- JSON: role -> number of events
        """,
    ),
    (
        9,
        "story_pages: the story page's summary, timeline and framing of large stories, computed after each run",
        """
        CREATE TABLE story_pages (
            story_id TEXT PRIMARY KEY,
            data TEXT NOT NULL              -- JSON: summary (with citations), timeline, framing per source
        ) WITHOUT ROWID;
        """,
    ),
    (
        10,
        "mentions_article_actor: the actors of an article without reading its mention rows (related actors)",
        """
        CREATE INDEX IF NOT EXISTS mentions_article_actor ON mentions(article_id, actor_id);
        """,
    ),
]

LATEST = MIGRATIONS[-1][0]
