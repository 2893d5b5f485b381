from resonanz.query.candidates import Checks, Entry, Index
from resonanz.query.document import Document

def run_candidates(
    hits: set[str], index: Index, always: Checks, doc: Document, out: list[Entry]
) -> int: ...
def padded_of_folded(folded: str) -> str: ...
