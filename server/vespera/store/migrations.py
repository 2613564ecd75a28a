"""Versioned schema of the index database; ``PRAGMA user_version`` records what was applied."""

from __future__ import annotations

# Each entry moves the schema one version up; never edit an entry once released, add one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        title TEXT NOT NULL,
        type TEXT,
        content_hash TEXT NOT NULL,
        mtime_ns INTEGER NOT NULL,
        size INTEGER NOT NULL,
        frontmatter TEXT NOT NULL,
        frontmatter_range TEXT,
        aliases TEXT NOT NULL,
        indexed_at REAL NOT NULL
    );
    CREATE INDEX notes_name ON notes(name);
    CREATE INDEX notes_type ON notes(type);

    CREATE TABLE aliases (
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        norm TEXT NOT NULL
    );
    CREATE INDEX aliases_note ON aliases(note_id);
    CREATE INDEX aliases_norm ON aliases(norm);

    CREATE TABLE tags (
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        norm TEXT NOT NULL,
        key TEXT,
        value TEXT,
        source TEXT NOT NULL,
        start_line INTEGER NOT NULL, start_char INTEGER NOT NULL,
        end_line INTEGER NOT NULL, end_char INTEGER NOT NULL
    );
    CREATE INDEX tags_note ON tags(note_id);
    CREATE INDEX tags_norm ON tags(norm);
    CREATE INDEX tags_key ON tags(key, value);

    CREATE TABLE links (
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        target_name TEXT NOT NULL,
        heading TEXT,
        block TEXT,
        alias TEXT,
        embed INTEGER NOT NULL,
        kind TEXT NOT NULL,
        field TEXT,
        resolved_path TEXT,
        candidates INTEGER NOT NULL,
        start_line INTEGER NOT NULL, start_char INTEGER NOT NULL,
        end_line INTEGER NOT NULL, end_char INTEGER NOT NULL
    );
    CREATE INDEX links_note ON links(note_id);
    CREATE INDEX links_target_name ON links(target_name);
    CREATE INDEX links_resolved ON links(resolved_path);

    CREATE TABLE headings (
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        level INTEGER NOT NULL,
        text TEXT NOT NULL,
        start_line INTEGER NOT NULL, start_char INTEGER NOT NULL,
        end_line INTEGER NOT NULL, end_char INTEGER NOT NULL
    );
    CREATE INDEX headings_note ON headings(note_id);

    CREATE TABLE blocks (
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        block_id TEXT NOT NULL,
        start_line INTEGER NOT NULL, start_char INTEGER NOT NULL,
        end_line INTEGER NOT NULL, end_char INTEGER NOT NULL
    );
    CREATE INDEX blocks_note ON blocks(note_id);

    CREATE TABLE tasks (
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        done INTEGER NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL,
        start_line INTEGER NOT NULL, start_char INTEGER NOT NULL,
        end_line INTEGER NOT NULL, end_char INTEGER NOT NULL
    );
    CREATE INDEX tasks_note ON tasks(note_id);

    -- Problems are kept by path: a file that cannot be read has no note row.
    CREATE TABLE problems (
        path TEXT NOT NULL,
        origin TEXT NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        start_line INTEGER, start_char INTEGER, end_line INTEGER, end_char INTEGER
    );
    CREATE INDEX problems_path ON problems(path);

    -- Notes whose graph rows still have to be written to Kuzu. Filled in the same transaction
    -- as the note rows, emptied after Kuzu commits: a crash in between is repaired at start-up.
    CREATE TABLE graph_pending (path TEXT PRIMARY KEY);
    """,
    """
    -- A hash of each note's words, so that re-spacing text makes no content event.
    ALTER TABLE notes ADD COLUMN meaning TEXT NOT NULL DEFAULT '';

    -- The state a note's last events left it in, kept while an editor's unsaved text stands
    -- for it in the index (NULL: the note did not exist). Events are made when it settles.
    CREATE TABLE event_baselines (path TEXT PRIMARY KEY, state BLOB);

    -- Events detected with a change of the index, committed in the same transaction, until
    -- the event log (a separate database) has them.
    CREATE TABLE event_outbox (position INTEGER PRIMARY KEY, event BLOB NOT NULL);

    -- An index made before events existed is complete: changes to it are events.
    INSERT INTO meta(key, value)
        SELECT 'events_since', 'upgrade' WHERE EXISTS (SELECT 1 FROM notes);
    """,
)
