/* The matcher's inner loop in C: resonanz/query/candidates.py describes it and holds the
 * same loop in Python (python_run_candidates), which is used where this was not built.
 *
 * run_candidates(hits, index, always, doc, out) -> int
 *
 * And the word string of resonanz/query/text.py (padded_of_folded, same result as
 * text.python_padded_of_folded):
 *
 * padded_of_folded(folded) -> str: " " + the runs of letters and digits joined by " " + " ",
 *     URLs left out
 * strip_urls(text) -> str: text.URL_RE.sub(" ", text)
 *
 * And text.fold for text made only of characters whose fold is known here (fold_simple):
 *
 * fold_simple(text) -> str | None: text.fold(text), or None when a character is not one of
 *     ASCII, Latin-1 without the 14 that NFKC changes, and some punctuation of tweets.
 * nfkc_simple(text) -> str | None: unicodedata.normalize("NFKC", text) for the same texts.
 * padded_simple(text) -> str | None: padded_of_folded(fold(text)) for the same texts.
 *
 * Why a character-by-character fold is exact there: every such character is a starter
 * (canonical combining class 0) whose NFKC quick check is Yes, so a string of them is already
 * NFKC (the quick check's definite answer) -- except U+2026, whose NFKC is "...", three more
 * such characters -- and str.casefold maps character by character. tests/query/test_text.py
 * checks every code point against text.python_fold.
 *
 * Only the plain CPython C API; the structures are built by resonanz/query/matcher.py and
 * are checked as they are read, so a wrong shape raises TypeError instead of crashing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* 1 when some element of set is in hits (wanted 1) or missing from hits (wanted 0), 0 when
 * no element is, -1 on error. */
static int
some_element(PyObject *set, PyObject *hits, int wanted)
{
    if (PySet_GET_SIZE(set) == 0) {
        return 0;
    }
#if PY_VERSION_HEX < 0x030D0000
    /* Up to 3.12 a set's entries can be walked without allocating an iterator. */
    Py_ssize_t pos = 0;
    PyObject *key;
    Py_hash_t hash;
    while (_PySet_NextEntry(set, &pos, &key, &hash)) {
        int found = PySet_Contains(hits, key);
        if (found < 0) {
            return -1;
        }
        if (found == wanted) {
            return 1;
        }
    }
    return 0;
#else
    PyObject *it = PyObject_GetIter(set);
    if (it == NULL) {
        return -1;
    }
    PyObject *key;
    int result = 0;
    while ((key = PyIter_Next(it)) != NULL) {
        int found = PySet_Contains(hits, key);
        Py_DECREF(key);
        if (found < 0) {
            result = -1;
            break;
        }
        if (found == wanted) {
            result = 1;
            break;
        }
    }
    Py_DECREF(it);
    if (result == 0 && PyErr_Occurred()) {
        return -1;
    }
    return result;
#endif
}

static int
bad_shape(const char *what)
{
    PyErr_Format(PyExc_TypeError, "run_candidates: %s", what);
    return -1;
}

/* The labels of pairs whose literal is None or occurs in hits, as a tuple. */
static PyObject *
present_terms(PyObject *pairs, PyObject *hits)
{
    Py_ssize_t n = PyTuple_GET_SIZE(pairs);
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PyTuple_GET_ITEM(pairs, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            Py_DECREF(out);
            bad_shape("a term pair is not a 2-tuple");
            return NULL;
        }
        PyObject *literal = PyTuple_GET_ITEM(pair, 0);
        int keep = 1;
        if (literal != Py_None) {
            keep = PySet_Contains(hits, literal);
            if (keep < 0) {
                Py_DECREF(out);
                return NULL;
            }
        }
        if (keep && PyList_Append(out, PyTuple_GET_ITEM(pair, 1)) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    PyObject *result = PyList_AsTuple(out);
    Py_DECREF(out);
    return result;
}

/* Test every (topic id, check) of checks; append (topic id, terms) for those that hold. */
static int
run_checks(PyObject *checks, PyObject *hits, PyObject *doc, PyObject *out)
{
    if (!PyTuple_Check(checks)) {
        return bad_shape("checks are not a tuple");
    }
    Py_ssize_t n = PyTuple_GET_SIZE(checks);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(checks, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            return bad_shape("a check entry is not (topic id, check)");
        }
        PyObject *topic = PyTuple_GET_ITEM(item, 0);
        PyObject *check = PyTuple_GET_ITEM(item, 1);
        if (!PyTuple_Check(check) || PyTuple_GET_SIZE(check) != 7) {
            return bad_shape("a check is not a 7-tuple");
        }
        PyObject *required = PyTuple_GET_ITEM(check, 0);
        PyObject *groups = PyTuple_GET_ITEM(check, 1);
        PyObject *excluded = PyTuple_GET_ITEM(check, 2);
        if (!PyAnySet_Check(required) || !PyAnySet_Check(excluded) || !PyTuple_Check(groups)) {
            return bad_shape("required/excluded are not sets or groups not a tuple");
        }
        int ok = some_element(required, hits, 0); /* a required literal is missing */
        if (ok < 0) {
            return -1;
        }
        if (ok) {
            continue;
        }
        ok = some_element(excluded, hits, 1);
        if (ok < 0) {
            return -1;
        }
        if (ok) {
            continue;
        }
        Py_ssize_t n_groups = PyTuple_GET_SIZE(groups);
        for (Py_ssize_t g = 0; g < n_groups && ok == 0; g++) {
            PyObject *group = PyTuple_GET_ITEM(groups, g);
            if (!PyAnySet_Check(group)) {
                return bad_shape("a group is not a set");
            }
            int any = some_element(group, hits, 1);
            if (any < 0) {
                return -1;
            }
            ok = any ? 0 : 1; /* ok == 1 here means: a group failed */
        }
        if (ok) {
            continue;
        }
        PyObject *rest = PyTuple_GET_ITEM(check, 3);
        PyObject *args[2] = {hits, doc};
        if (rest != Py_None) {
            PyObject *held = PyObject_Vectorcall(rest, args, 2, NULL);
            if (held == NULL) {
                return -1;
            }
            int truth = PyObject_IsTrue(held);
            Py_DECREF(held);
            if (truth < 0) {
                return -1;
            }
            if (!truth) {
                continue;
            }
        }
        PyObject *terms = PyTuple_GET_ITEM(check, 4);
        if (terms != Py_None) {
            Py_INCREF(terms);
        }
        else {
            PyObject *pairs = PyTuple_GET_ITEM(check, 5);
            if (pairs != Py_None) {
                if (!PyTuple_Check(pairs)) {
                    return bad_shape("term pairs are not a tuple");
                }
                terms = present_terms(pairs, hits);
            }
            else {
                terms = PyObject_Vectorcall(PyTuple_GET_ITEM(check, 6), args, 2, NULL);
            }
            if (terms == NULL) {
                return -1;
            }
        }
        PyObject *entry = PyTuple_Pack(2, topic, terms);
        Py_DECREF(terms);
        if (entry == NULL) {
            return -1;
        }
        int appended = PyList_Append(out, entry);
        Py_DECREF(entry);
        if (appended < 0) {
            return -1;
        }
    }
    return 0;
}

static PyObject *
run_candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "run_candidates(hits, index, always, doc, out) takes 5 arguments");
        return NULL;
    }
    PyObject *hits = args[0], *index = args[1], *always = args[2], *doc = args[3];
    PyObject *out = args[4];
    if (!PyAnySet_Check(hits) || !PyDict_Check(index) || !PyTuple_Check(always)
        || !PyList_Check(out)) {
        PyErr_SetString(PyExc_TypeError,
                        "run_candidates: hits must be a set, index a dict, always a tuple "
                        "and out a list");
        return NULL;
    }
    Py_ssize_t evaluations = PyTuple_GET_SIZE(always);
    if (evaluations && run_checks(always, hits, doc, out) < 0) {
        return NULL;
    }
    PyObject *it = PyObject_GetIter(hits);
    if (it == NULL) {
        return NULL;
    }
    PyObject *literal;
    while ((literal = PyIter_Next(it)) != NULL) {
        PyObject *found = PyDict_GetItemWithError(index, literal); /* borrowed */
        Py_DECREF(literal);
        if (found == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            continue;
        }
        if (!PyTuple_Check(found) || PyTuple_GET_SIZE(found) != 2
            || !PyTuple_Check(PyTuple_GET_ITEM(found, 0))
            || !PyTuple_Check(PyTuple_GET_ITEM(found, 1))) {
            bad_shape("an index value is not (entries, checks)");
            goto error;
        }
        /* The value may be replaced while a rest test runs Python code: hold it. */
        Py_INCREF(found);
        PyObject *entries = PyTuple_GET_ITEM(found, 0);
        PyObject *checks = PyTuple_GET_ITEM(found, 1);
        Py_ssize_t n_entries = PyTuple_GET_SIZE(entries);
        for (Py_ssize_t i = 0; i < n_entries; i++) {
            if (PyList_Append(out, PyTuple_GET_ITEM(entries, i)) < 0) {
                Py_DECREF(found);
                goto error;
            }
        }
        evaluations += n_entries + PyTuple_GET_SIZE(checks);
        int failed = PyTuple_GET_SIZE(checks) && run_checks(checks, hits, doc, out) < 0;
        Py_DECREF(found);
        if (failed) {
            goto error;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromSsize_t(evaluations);
error:
    Py_DECREF(it);
    return NULL;
}

/* The length of the URL starting at i (0: none): what (?:https?://|www\.)[^\s<>"']+ matches
 * there, case-sensitive (text._FOLDED_URL_RE) or, with ignore_case, as text.URL_RE does with
 * re.IGNORECASE (ASCII letters either case; U+017F, long s, is an "s" to it). */
static inline Py_ALWAYS_INLINE Py_ssize_t
url_length(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, int ignore_case)
{
    static const char *const starts[] = {"http://", "https://", "www."};
    Py_ssize_t prefix = 0;
    for (int s = 0; s < 3 && prefix == 0; s++) {
        const char *start = starts[s];
        Py_ssize_t k = 0;
        for (; start[k] && i + k < n; k++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i + k);
            Py_UCS4 want = (Py_UCS4)start[k];
            if (ch != want
                && !(ignore_case
                     && ((ch - 'A' < 26 && ch + 32 == want) || (ch == 0x17F && want == 's')))) {
                break;
            }
        }
        if (start[k] == '\0') {
            prefix = k;
        }
    }
    if (prefix == 0) {
        return 0;
    }
    Py_ssize_t end = i + prefix;
    while (end < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, end);
        if (ch == '<' || ch == '>' || ch == '"' || ch == '\'' || Py_UNICODE_ISSPACE(ch)) {
            break;
        }
        end++;
    }
    /* the regex needs at least one character after the start */
    return end > i + prefix ? end - i : 0;
}

/* Whether a URL may start at i: its first two characters (quick test before url_length). */
static inline Py_ALWAYS_INLINE int
url_may_start(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, Py_UCS4 ch, int ignore_case)
{
    if (ignore_case && ch - 'A' < 26) {
        ch += 32;
    }
    if ((ch != 'h' && ch != 'w') || i + 1 >= n) {
        return 0;
    }
    Py_UCS4 next = PyUnicode_READ(kind, data, i + 1);
    if (ignore_case && next - 'A' < 26) {
        next += 32;
    }
    return next == (ch == 'h' ? 't' : 'w');
}

/* text with every URL replaced by one space: text.URL_RE.sub(" ", text). */
static PyObject *
strip_urls(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "strip_urls: text must be a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *pieces = NULL;
    Py_ssize_t piece_start = 0;
    for (Py_ssize_t i = 0; i + 4 <= n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (!url_may_start(kind, data, n, i, ch, 1)) {
            continue;
        }
        Py_ssize_t url = url_length(kind, data, n, i, 1);
        if (url == 0) {
            continue;
        }
        if (pieces == NULL && (pieces = PyList_New(0)) == NULL) {
            return NULL;
        }
        PyObject *piece = PyUnicode_Substring(text, piece_start, i);
        if (piece == NULL || PyList_Append(pieces, piece) < 0) {
            Py_XDECREF(piece);
            Py_DECREF(pieces);
            return NULL;
        }
        Py_DECREF(piece);
        i += url - 1;
        piece_start = i + 1;
    }
    if (pieces == NULL) {
        Py_INCREF(text);
        return text;
    }
    PyObject *piece = PyUnicode_Substring(text, piece_start, n);
    if (piece == NULL || PyList_Append(pieces, piece) < 0) {
        Py_XDECREF(piece);
        Py_DECREF(pieces);
        return NULL;
    }
    Py_DECREF(piece);
    PyObject *space = PyUnicode_FromOrdinal(' ');
    PyObject *result = space == NULL ? NULL : PyUnicode_Join(space, pieces);
    Py_XDECREF(space);
    Py_DECREF(pieces);
    return result;
}

/* The padded word string of folded text (kind, data, n) into out (room for n + 2): " ", then
 * every run of word characters -- letters and digits, what str.isalnum() and the regex
 * [^\W_] accept -- followed by one space, URLs left out; "  " when there is no word.
 * Returns its length. */
static inline Py_ALWAYS_INLINE Py_ssize_t
pad_kind(int kind, const void *data, Py_ssize_t n, Py_UCS4 *out)
{
    Py_ssize_t size = 1;
    int in_word = 0;
    out[0] = ' ';
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (url_may_start(kind, data, n, i, ch, 0)) {
            Py_ssize_t url = url_length(kind, data, n, i, 0);
            if (url) { /* a URL is no word and ends one */
                i += url - 1;
                if (in_word) {
                    out[size++] = ' ';
                    in_word = 0;
                }
                continue;
            }
        }
        int word_char = ch < 128 ? ((ch | 32) - 'a' < 26 || ch - '0' < 10) : Py_UNICODE_ISALNUM(ch);
        if (word_char) {
            out[size++] = ch;
            in_word = 1;
        }
        else if (in_word) {
            out[size++] = ' ';
            in_word = 0;
        }
    }
    if (in_word || size == 1) {
        out[size++] = ' ';
    }
    return size;
}

/* pad_kind compiled once per string kind, so the inner loop knows how to read. */
static Py_ssize_t
pad_into(int kind, const void *data, Py_ssize_t n, Py_UCS4 *out)
{
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        return pad_kind(PyUnicode_1BYTE_KIND, data, n, out);
    case PyUnicode_2BYTE_KIND:
        return pad_kind(PyUnicode_2BYTE_KIND, data, n, out);
    default:
        return pad_kind(PyUnicode_4BYTE_KIND, data, n, out);
    }
}

/* A buffer of n characters: small when it fits, else allocated (free with release). */
static Py_UCS4 *
buffer(Py_UCS4 *small, Py_ssize_t small_n, Py_ssize_t n)
{
    if (n <= small_n) {
        return small;
    }
    Py_UCS4 *out = PyMem_New(Py_UCS4, n);
    if (out == NULL) {
        PyErr_NoMemory();
    }
    return out;
}

static void
release(Py_UCS4 *out, Py_UCS4 *small)
{
    if (out != small) {
        PyMem_Free(out);
    }
}

#define SMALL 2048

static PyObject *
padded_of_folded(PyObject *module, PyObject *folded)
{
    if (!PyUnicode_Check(folded)) {
        PyErr_SetString(PyExc_TypeError, "padded_of_folded: folded must be a str");
        return NULL;
    }
    if (PyUnicode_READY(folded) < 0) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(folded);
    Py_UCS4 small[SMALL];
    Py_UCS4 *out = buffer(small, SMALL, n + 2);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t size = pad_into(PyUnicode_KIND(folded), PyUnicode_DATA(folded), n, out);
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, size);
    release(out, small);
    return result;
}

/* The Latin-1 characters NFKC changes: no-break space, spacing marks, ordinals,
 * superscripts, micro sign, fractions. */
static int
nfkc_changes_latin1(Py_UCS4 ch)
{
    switch (ch) {
    case 0xA0: case 0xA8: case 0xAA: case 0xAF: case 0xB2: case 0xB3: case 0xB4:
    case 0xB5: case 0xB8: case 0xB9: case 0xBA: case 0xBC: case 0xBD: case 0xBE:
        return 1;
    default:
        return 0;
    }
}

/* Punctuation common in posts that NFKC and casefold leave as it is. */
static int
unchanged_punctuation(Py_UCS4 ch)
{
    switch (ch) {
    case 0x200B: case 0x200E: case 0x200F: case 0x2013: case 0x2014: case 0x2018:
    case 0x2019: case 0x201A: case 0x201C: case 0x201D: case 0x201E: case 0x2022:
    case 0x2039: case 0x203A: case 0x20AC: case 0xFEFF: case 0xFFFD:
        return 1;
    default:
        return 0;
    }
}

/* text (kind, data, n; not 4-byte) folded (casefold 1) or NFKC-normalised (casefold 0) into
 * out (room for 3 * n), when every character is one of those described at the top of this
 * file. Returns the length, or -1 when a character is not. */
static inline Py_ALWAYS_INLINE Py_ssize_t
map_kind(int kind, const void *data, Py_ssize_t n, Py_UCS4 *out, int casefold)
{
    Py_ssize_t size = 0;
    int simple = 1;
    for (Py_ssize_t i = 0; i < n && simple; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < 0x80) {
            out[size++] = casefold && ch - 'A' < 26 ? ch + 32 : ch;
        }
        else if (ch < 0x100) {
            if (nfkc_changes_latin1(ch)) {
                simple = 0;
            }
            else if (!casefold) {
                out[size++] = ch;
            }
            else if (ch == 0xDF) { /* sharp s */
                out[size++] = 's';
                out[size++] = 's';
            }
            else {
                if (ch >= 0xC0 && ch <= 0xDE && ch != 0xD7) {
                    ch += 32; /* upper to lower case */
                }
                if (ch == 0xE4 || ch == 0xF6 || ch == 0xFC) { /* umlauts: ae, oe, ue */
                    out[size++] = ch == 0xE4 ? 'a' : ch == 0xF6 ? 'o' : 'u';
                    out[size++] = 'e';
                }
                else {
                    out[size++] = ch;
                }
            }
        }
        else if (ch == 0x2026) { /* horizontal ellipsis */
            out[size++] = '.';
            out[size++] = '.';
            out[size++] = '.';
        }
        else if (unchanged_punctuation(ch)) {
            out[size++] = ch;
        }
        else {
            simple = 0;
        }
    }
    return simple ? size : -1;
}

/* map_kind compiled once per string kind and mode. */
static Py_ssize_t
map_into(int kind, const void *data, Py_ssize_t n, Py_UCS4 *out, int casefold)
{
    if (kind == PyUnicode_1BYTE_KIND) {
        return casefold ? map_kind(PyUnicode_1BYTE_KIND, data, n, out, 1)
                        : map_kind(PyUnicode_1BYTE_KIND, data, n, out, 0);
    }
    return casefold ? map_kind(PyUnicode_2BYTE_KIND, data, n, out, 1)
                    : map_kind(PyUnicode_2BYTE_KIND, data, n, out, 0);
}

/* text's fold or NFKC as a str, None when map_into declines it. */
static PyObject *
map_simple(PyObject *text, int casefold)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "fold_simple/nfkc_simple: text must be a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_KIND(text) == PyUnicode_4BYTE_KIND) {
        Py_RETURN_NONE;
    }
    Py_UCS4 small[SMALL];
    Py_UCS4 *out = buffer(small, SMALL, 3 * n);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t size = map_into(PyUnicode_KIND(text), PyUnicode_DATA(text), n, out, casefold);
    PyObject *result = size < 0 ? Py_NewRef(Py_None)
                                : PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, size);
    release(out, small);
    return result;
}

static PyObject *
fold_simple(PyObject *module, PyObject *text)
{
    return map_simple(text, 1);
}

static PyObject *
nfkc_simple(PyObject *module, PyObject *text)
{
    return map_simple(text, 0);
}

/* padded_of_folded(fold(text)) in one pass for the texts fold_simple takes, else None. */
static PyObject *
padded_simple(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "padded_simple: text must be a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_KIND(text) == PyUnicode_4BYTE_KIND) {
        Py_RETURN_NONE;
    }
    Py_UCS4 small_folded[SMALL], small_padded[SMALL];
    Py_UCS4 *folded = buffer(small_folded, SMALL, 3 * n);
    if (folded == NULL) {
        return NULL;
    }
    Py_ssize_t size = map_into(PyUnicode_KIND(text), PyUnicode_DATA(text), n, folded, 1);
    if (size < 0) {
        release(folded, small_folded);
        Py_RETURN_NONE;
    }
    Py_UCS4 *padded = buffer(small_padded, SMALL, size + 2);
    if (padded == NULL) {
        release(folded, small_folded);
        return NULL;
    }
    size = pad_into(PyUnicode_4BYTE_KIND, folded, size, padded);
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, padded, size);
    release(padded, small_padded);
    release(folded, small_folded);
    return result;
}

static PyMethodDef methods[] = {
    {"padded_simple", (PyCFunction)padded_simple, METH_O,
     "padded_simple(text) -> str | None: see resonanz/query/text.py"},
    {"nfkc_simple", (PyCFunction)nfkc_simple, METH_O,
     "nfkc_simple(text) -> str | None: see resonanz/query/text.py"},
    {"strip_urls", (PyCFunction)strip_urls, METH_O,
     "strip_urls(text) -> str: see resonanz/query/text.py"},
    {"fold_simple", (PyCFunction)fold_simple, METH_O,
     "fold_simple(text) -> str | None: see resonanz/query/text.py"},
    {"padded_of_folded", (PyCFunction)padded_of_folded, METH_O,
     "padded_of_folded(folded) -> str: see resonanz/query/text.py"},
    {"run_candidates", (PyCFunction)(void (*)(void))run_candidates, METH_FASTCALL,
     "run_candidates(hits, index, always, doc, out) -> int: see resonanz/query/candidates.py"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "_fastmatch",
    "The matcher's inner loop in C (see resonanz/query/candidates.py).",
    0,
    methods,
};

PyMODINIT_FUNC
PyInit__fastmatch(void)
{
    return PyModule_Create(&module);
}
