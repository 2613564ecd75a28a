"""Word lists and the tag vocabulary the vault generator draws from."""

from __future__ import annotations


def _words(text: str, sep: str | None = None) -> list[str]:
    """Split a word list written as prose, so long lists stay readable in source."""
    return [word.strip() for word in text.split(sep)]


FIRST = _words(
    """
Alice Bram Zoë Éléonore Søren Ingrid Kasimir Mirela Nadia Tomás Björn Ælfric Łucja
Inès Jónas Małgorzata Ümit Çağla Ángel François Renée Chloé Noé Anouk Bastian Cosima Dario Elif
Fenna Gideon Hanne Ilya Jun Kenji Leilani Matteo Niamh Oskar Priya Quentin Rosalind Tariq Ulla
Viktor Wren Xiomara Yusuf Zsófia Amara Benedikt Céleste Dmitri Esmé Farid Greta Yūki"""
)
LAST = _words(
    """Hartmann,Okafor,Lindqvist,Vasquez,Nakamura,Müller,Dvořák,Øvergaard,Kowalczyk,Ferreira,
Yılmaz,Šimek,Ødegård,Ashdown,Blackwood,Castellanos,Delacroix,Eriksen,Fairweather,Grünewald,
Holloway,Ibáñez,Jovanović,Kaur,Lefèvre,Moreau,Nowak,Osei,Petrov,Quintero,Rasmussen,Santoro,Thorne,
Ueda,Valdés,Whitlock,Xu,Yoshida,Zieliński,Brennan,Caldwell,Duarte,O'Neill,Ó Briain,van der Berg,
de la Cruz""",
    ",",
)
MONONYMS = _words("Ōkami 美咲 李明 王芳 さくら ハルト Αθηνά Δάφνη Νίκος Мира Борис ليلى")
ADJ = _words(
    """
Sunken Silent Crimson Hollow Northern Old Gilded Broken Ashen Verdant Forgotten Glass
Iron Salt Amber Shrouded Lower Upper Quiet Drowned Burning Western Frozen Hidden Painted Copper
Ivory Pale Bitter Distant Weeping Golden Black Narrow Last First Lonely Wild Hungry Secret"""
)
PLACE = _words(
    """
Harbor Market Tower Library Chapel Bridge Garden Quarter Archive Lighthouse Orchard
Station Observatory Mill Courtyard Forest Citadel Inn Docks Cellar Monastery Theatre Square Canal
Vineyard Pass Gate Hall Crossing Wharf Abbey Ridge Mire Keep"""
)
PLACE_NAMES = _words(
    "Ålborg Valmorrow Ashgrove Ōtsuka Reykholt Saint-Émilion Thessaloníki Kėdainiai"
)
NOUN = _words(
    """
Lantern Letter Key Map Crown Knife Bell Mirror Ledger Compass Promise Storm Debt Oath
Song Fire Door Ship Ring Seal Vow Feather Coin Rope Candle Tide Wolf Raven Thread Needle Garden
Clock Shadow Mask Harvest Winter Bone River Stone Sparrow Tower Window Blade Orchard Anchor Veil
Ember Hound Hymn Cipher"""
)
VERB3 = _words(
    """
Finds Loses Burns Hides Steals Returns Opens Breaks Buries Reads Forges Follows Answers
Betrays Mends Seeks Guards Sells Paints Counts Carries Names Forgets Trades Climbs Wakes"""
)
TASK_VERB = _words(
    """
Revise Research Draft Outline Fix Check Rewrite Expand Trim Polish Map Sketch Review
Cut Merge Split Verify Reread"""
)
TASK_THING = _words("chapter scene arc timeline notes subplot backstory dialogue")
NOTE_KIND = _words("Ideas Theory Research Glossary Questions Sources Sketches Fragments")
NOTE_TOPICS = _words(
    """Medieval Locks,Tidal Charts,Naming Conventions,Μύθοι και θρύλοι,夢日記,Étymologie,
Cartographie,Rüstung und Waffen,Herbal Remedies,Shipwrights,Old Calendars,Постоялые дворы,
Bell Founding,Glassblowing,Court Etiquette""",
    ",",
)
FORMS = _words("Nocturne,Étude,Sonata,Prelude,Lullaby,Fugue,Waltz,Requiem,Elegy,𝄞 Overture", ",")
KEYS = [f"{n} {m}" for n in ("C", "D", "E♭", "F♯", "A", "B♭") for m in ("Major", "Minor")]
HEADINGS = _words(
    """Summary,Background,Beats,Aftermath,Motivation,Open Questions,Details,Sources,
Timeline,Appearance,Relationships,History,Description,Atmosphere,Lyrics,Arrangement,Next Steps,
Ideas,References,Conflict,Setting,Outcome,Dialogue,Draft,Revisions,Résumé,Thoughts,Inspiration,
Scratchpad,Loose Ends""",
    ",",
)
# Ordered by frequency; the Zipf-Mandelbrot weights below (offset 3) make function words common
# without the "the of the" runs that a pure 1/rank law gives a list this short.
PROSE = _words(
    """
the of and to a in that was her his it with as she he on for at by from they had not
but be all which were said one there this an into their could would when what so no out up them
some then more like only over time about than its him now through night light water hand eyes
door old long before after again still away something nothing every under across against between
house road sea wind rain stone silence voice morning evening window street city river letter
memory promise shadow fire name face heart dark cold quiet small bright slow broken distant
walked waited listened turned opened closed remembered whispered carried followed watched
found lost kept knew thought felt seemed asked answered smiled laughed counted climbed
almost perhaps never always slowly quietly suddenly together alone already once
café naïve façade déjà-vu über rôle"""
)
# Each word repeated in proportion to its weight: unweighted choices() from this pool is several
# times faster than cum_weights (no bisect per word), and prose is most of the generation time.
PROSE_POOL = [w for rank, w in enumerate(PROSE, 1) for _ in range(round(200 / (rank + 3)))]
INLINE_CODE = ["`config.yaml`", "`#not-a-tag`", "`[[not a link]]`", "`git status`", "`x = 1`"]
CODE_BLOCKS = [
    ["```python", "# a comment, not a heading", 'tags = ["#not-a-tag"]', "```"],
    ["```markdown", "[[Not a link]] and #not-a-tag inside a fence", "```"],
    ["```", "$ grep -r '#todo' .", "```"],
]


def build_tags() -> list[str]:
    """The tag vocabulary in rank order: plain, nested and ``key:value`` tags interleaved."""
    plain = _words(
        """
foreshadowing worldbuilding draft revision idea todo important research dialogue
flashback subplot backstory continuity villain romance mystery humor cliffhanger setup payoff
symbolism motif reveal twist pacing tension theme character-arc inciting-incident climax
resolution prologue epilogue interlude chase battle heist betrayal reunion funeral wedding
dream memory letter journal prophecy magic politics religion economy weather travel sea forest
city night winter summer food clothing weapons ships music dance art language names maps
timeline family friendship rivalry secret lie debt oath loss grief hope fear courage guilt
revenge redemption sacrifice power freedom identity home exile legacy inbox archive reference
quote inspiration someday waiting blocked needs-review atmosphere exposition monologue montage
transition set-piece red-herring macguffin stakes ticking-clock reversal midpoint denouement
framing unreliable-narrator epistolary ensemble side-quest lore calendar currency architecture
heraldry cuisine festival ritual disease medicine law crime trade navigation astronomy
réécriture übergang 夢 café"""
    )
    tree = {
        "world/magic": "fire water air earth blood bone shadow light",
        "world/politics": "crown guilds church rebels council",
        "world/geography": "north south coast mountains islands",
        "world/history": "first-age second-age the-war the-flood",
        "world/creatures": "dragon wraith selkie golem kraken",
        "world/factions": "wardens tide-guild ash-court pilgrims smugglers lantern-order",
        "craft": "dialogue pacing description structure voice pov",
        "book/one": "act-1 act-2 act-3",
        "book/two": "act-1 act-2 act-3",
        "book/three": "act-1 act-2 act-3",
        "char": "protagonist antagonist mentor foil minor",
        "area": "writing research admin reading",
        "research": "history science language geography folklore costume",
        "source": "book article podcast conversation museum",
        "setting/city": "day night dawn dusk",
        "setting/wild": "day night dawn dusk",
        "place": "city village wild sea underground",
        "people": "family friends enemies allies",
        "music": "theme leitmotif ambient diegetic",
        "task": "writing editing research admin",
        "draft": "v1 v2 v3 final",
        "type": "scene character location music task note",
    }
    nested = [f"{parent}/{leaf}" for parent, leaves in tree.items() for leaf in _words(leaves)]
    pairs = {  # mood comes last: scenes draw it from its own list, others rarely need it
        "status": "draft revised final idea blocked",
        "pov": "alice bram zoe soren ingrid kenji nadia tomas",
        "arc": "one two three redemption fall",
        "priority": "high medium low",
        "theme": "loss power home trust memory",
        "season": "spring summer autumn winter",
        "tone": "dark light wry lyrical",
        "weather": "rain snow fog storm clear",
        "time": "dawn noon dusk midnight",
        "mood": "tense calm melancholy hopeful eerie joyful bittersweet angry tender dread "
        "playful somber",
    }
    keyed = [f"{key}:{value}" for key, values in pairs.items() for value in _words(values)]
    groups = [plain, nested, keyed]
    return [g[i] for i in range(max(map(len, groups))) for g in groups if i < len(g)]


TAGS = build_tags()
MOODS = [t for t in TAGS if t.startswith("mood:")]
OTHER_TAGS = [t for t in TAGS if not t.startswith("mood:")]
