"""Political events in PLOVER: the ontology (:mod:`.ontology`, data in ``data/plover.toml``) and
event coders behind one interface (:mod:`.coder`: :class:`~.coder.EventCoder`, the default
lexicon-and-dependency :class:`~.coder.RuleCoder`, lexicon in ``data/lexicon.toml``).
See ``docs/events.md``."""
