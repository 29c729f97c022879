"""Facts with evidence: actors (:mod:`.actors`), temporal expressions (:mod:`.time`) and quotes
(:mod:`.quotes`), each stored with its character span in the article's clean text.

:mod:`.stage` holds the facts stage that runs spaCy once over each article and calls the three.
"""
