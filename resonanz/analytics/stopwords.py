"""Function words of German and English (folded like query.text.fold), for term statistics."""

from __future__ import annotations

from resonanz.query.text import fold

_GERMAN = """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
auch auf aus bei beim bin bis bist da dabei damit dann das dass dein deine dem den denn der des
dessen deshalb die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen
einer eines einfach er es etwas euch euer eure fuer gab gibt ging habe haben hab hat hatte hatten
hier hin hinter ich ihm ihn ihnen ihr ihre im immer in ins ist ja jede jedem jeden jeder jedes
jetzt kann kannst kein keine keinem keinen keiner koennen koennte mal man manche mehr mein meine
mich mir mit muss muessen nach nachdem nein nicht nichts noch nun nur ob oder ohne schon sehr
sein seine sich sie sind so solche soll sollte sondern sonst ueber um und uns unser unsere unter
viel vom von vor war waren warum was weil weiter welche wenn wer werde werden wie wieder will wir
wird wirst wo wurde wurden zu zum zur zwar zwischen ganz heute gestern morgen gerade wohl eben
"""

_ENGLISH = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours out over own same
she should so some such than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with would
you your yours rt via amp http https www com
"""

STOPWORDS: frozenset[str] = frozenset(fold(w) for w in (_GERMAN + _ENGLISH).split())


def is_stopword(word: str) -> bool:
    """True for a folded function word of German or English."""
    return word in STOPWORDS
