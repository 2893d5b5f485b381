"""Resonanz: self-hostable social media listening, analysis and publishing."""

__version__ = "0.1.0"
