"""UNDERSTAND: what mentions say (sentiment, keywords, topics), measured by ``resonanz eval``."""
