# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The block walk (``winnow.parse.blocks.walk``) compiled: the same blocks and elements, read
straight off lexbor's tree that selectolax parsed, with the ``SKIP_TAGS`` subtrees passed over
inside the walk (no stripping pass before it).

Built by ``make setup`` (``python -m winnow.parse.build_walk``) against the lexbor headers of
the installed selectolax; ``winnow.parse.html`` falls back to the Python walk when it is not
built. ``tests/test_walk.py`` checks both walks give identical ``PageDom``s.
"""

from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcmp
from libc.stdint cimport uintptr_t
from cpython.unicode cimport PyUnicode_DecodeUTF8

from selectolax.lexbor cimport (
    LexborNode,
    lxb_dom_node_t,
    lxb_dom_element_t,
    lxb_dom_attr_t,
    lxb_dom_character_data_t,
    lxb_char_t,
    lxb_dom_element_first_attribute_noi,
    lxb_dom_attr_qualified_name,
    lxb_dom_attr_value_noi,
)

from winnow.parse.blocks import BREAK, PageDom, _STEPS, _step, _finish, _HIDDEN_STYLE

cdef extern from "lexbor/dom/interfaces/node.h":
    cdef enum:
        LXB_DOM_NODE_TYPE_ELEMENT
        LXB_DOM_NODE_TYPE_TEXT

cdef extern from "lexbor/tag/const.h":
    cdef enum:
        LXB_TAG_A
        LXB_TAG_BR
        LXB_TAG_IMG
        LXB_TAG__LAST_ENTRY
        LXB_TAG_ADDRESS
        LXB_TAG_ARTICLE
        LXB_TAG_ASIDE
        LXB_TAG_BLOCKQUOTE
        LXB_TAG_BODY
        LXB_TAG_CAPTION
        LXB_TAG_CENTER
        LXB_TAG_DD
        LXB_TAG_DETAILS
        LXB_TAG_DIALOG
        LXB_TAG_DIV
        LXB_TAG_DL
        LXB_TAG_DT
        LXB_TAG_FIELDSET
        LXB_TAG_FIGCAPTION
        LXB_TAG_FIGURE
        LXB_TAG_FOOTER
        LXB_TAG_FORM
        LXB_TAG_H1
        LXB_TAG_H2
        LXB_TAG_H3
        LXB_TAG_H4
        LXB_TAG_H5
        LXB_TAG_H6
        LXB_TAG_HEADER
        LXB_TAG_HGROUP
        LXB_TAG_HR
        LXB_TAG_LI
        LXB_TAG_MAIN
        LXB_TAG_MENU
        LXB_TAG_NAV
        LXB_TAG_OL
        LXB_TAG_P
        LXB_TAG_PRE
        LXB_TAG_SECTION
        LXB_TAG_SUMMARY
        LXB_TAG_TABLE
        LXB_TAG_TBODY
        LXB_TAG_TD
        LXB_TAG_TFOOT
        LXB_TAG_TH
        LXB_TAG_THEAD
        LXB_TAG_TR
        LXB_TAG_UL
        LXB_TAG_LEGEND
        LXB_TAG_SCRIPT
        LXB_TAG_STYLE
        LXB_TAG_NOSCRIPT
        LXB_TAG_TEMPLATE
        LXB_TAG_SVG
        LXB_TAG_MATH
        LXB_TAG_IFRAME
        LXB_TAG_OBJECT
        LXB_TAG_EMBED
        LXB_TAG_SELECT
        LXB_TAG_TEXTAREA
        LXB_TAG_BUTTON
        LXB_TAG_CANVAS
        LXB_TAG_VIDEO
        LXB_TAG_AUDIO
        LXB_TAG_MAP

# tag id -> kind: 0 inline, 1 block, 2 skipped subtree, 3 br, 4 img, 5 a
DEF KIND_INLINE = 0
DEF KIND_BLOCK = 1
DEF KIND_SKIP = 2
DEF KIND_BR = 3
DEF KIND_IMG = 4
DEF KIND_A = 5

cdef unsigned char KIND[LXB_TAG__LAST_ENTRY]
cdef object NAMES = {}  # tag id -> tag name of the block tags


def _tables(dict block_ids, dict skip_ids):
    cdef Py_ssize_t i
    for i in range(LXB_TAG__LAST_ENTRY):
        KIND[i] = KIND_INLINE
    for name, tag_id in block_ids.items():
        KIND[tag_id] = KIND_BLOCK
        NAMES[tag_id] = name
    for tag_id in skip_ids.values():
        KIND[tag_id] = KIND_SKIP
    KIND[LXB_TAG_BR] = KIND_BR
    KIND[LXB_TAG_IMG] = KIND_IMG
    KIND[LXB_TAG_A] = KIND_A


BLOCK_IDS = {
    "address": LXB_TAG_ADDRESS, "article": LXB_TAG_ARTICLE, "aside": LXB_TAG_ASIDE,
    "blockquote": LXB_TAG_BLOCKQUOTE, "body": LXB_TAG_BODY, "caption": LXB_TAG_CAPTION,
    "center": LXB_TAG_CENTER, "dd": LXB_TAG_DD, "details": LXB_TAG_DETAILS,
    "dialog": LXB_TAG_DIALOG, "div": LXB_TAG_DIV, "dl": LXB_TAG_DL, "dt": LXB_TAG_DT,
    "fieldset": LXB_TAG_FIELDSET, "figcaption": LXB_TAG_FIGCAPTION, "figure": LXB_TAG_FIGURE,
    "footer": LXB_TAG_FOOTER, "form": LXB_TAG_FORM, "h1": LXB_TAG_H1, "h2": LXB_TAG_H2,
    "h3": LXB_TAG_H3, "h4": LXB_TAG_H4, "h5": LXB_TAG_H5, "h6": LXB_TAG_H6,
    "header": LXB_TAG_HEADER, "hgroup": LXB_TAG_HGROUP, "hr": LXB_TAG_HR, "li": LXB_TAG_LI,
    "main": LXB_TAG_MAIN, "menu": LXB_TAG_MENU, "nav": LXB_TAG_NAV, "ol": LXB_TAG_OL,
    "p": LXB_TAG_P, "pre": LXB_TAG_PRE, "section": LXB_TAG_SECTION,
    "summary": LXB_TAG_SUMMARY, "table": LXB_TAG_TABLE, "tbody": LXB_TAG_TBODY,
    "td": LXB_TAG_TD, "tfoot": LXB_TAG_TFOOT, "th": LXB_TAG_TH, "thead": LXB_TAG_THEAD,
    "tr": LXB_TAG_TR, "ul": LXB_TAG_UL, "legend": LXB_TAG_LEGEND,
}
SKIP_IDS = {
    "script": LXB_TAG_SCRIPT, "style": LXB_TAG_STYLE, "noscript": LXB_TAG_NOSCRIPT,
    "template": LXB_TAG_TEMPLATE, "svg": LXB_TAG_SVG, "math": LXB_TAG_MATH,
    "iframe": LXB_TAG_IFRAME, "object": LXB_TAG_OBJECT, "embed": LXB_TAG_EMBED,
    "select": LXB_TAG_SELECT, "textarea": LXB_TAG_TEXTAREA, "button": LXB_TAG_BUTTON,
    "canvas": LXB_TAG_CANVAS, "video": LXB_TAG_VIDEO, "audio": LXB_TAG_AUDIO,
    "map": LXB_TAG_MAP, "nav": LXB_TAG_NAV, "footer": LXB_TAG_FOOTER,
}
_tables(BLOCK_IDS, SKIP_IDS)


cdef struct Frame:
    Py_ssize_t element  # the element it opened, -1 for an inline element
    bint in_link
    Py_ssize_t owner


cdef inline int _kind(lxb_dom_node_t *node) noexcept:
    cdef uintptr_t tag = node.local_name
    if tag < LXB_TAG__LAST_ENTRY:
        return KIND[tag]
    return KIND_INLINE


cdef inline bint _name_is(const lxb_char_t *name, size_t length, bytes wanted) noexcept:
    return length == len(wanted) and memcmp(name, <const char *> wanted, length) == 0


cdef inline bint _ascii_space(const lxb_char_t *data, size_t length) noexcept:
    """Whether the bytes are only ASCII whitespace that ``str.split()`` splits on."""
    cdef size_t i
    cdef lxb_char_t c
    for i in range(length):
        c = data[i]
        if c != 32 and c != 10 and c != 9 and c != 13 and c != 12 and c != 11:
            return False
    return True


cdef class _Walk:
    """The walk's running state: the page's columns (``PageDom``'s lists, held here so the hot
    loop appends without attribute look-ups), the text collected since the last block
    boundary, the innermost block element owning it, whether it sits in a link."""

    cdef object dom
    cdef list text, owner, link_chars, links_of
    cdef list tag, parent, words, path, first_block, end_block, end_element, images, hidden
    cdef list parts
    cdef Py_ssize_t link_chars_now, links, words_now, current
    cdef bint in_link

    def __cinit__(self):
        dom = self.dom = PageDom()
        self.text, self.owner, self.link_chars, self.links_of = (
            dom.text, dom.owner, dom.link_chars, dom.links
        )
        self.tag, self.parent, self.words, self.path = dom.tag, dom.parent, dom.words, dom.path
        self.first_block, self.end_block = dom.first_block, dom.end_block
        self.end_element, self.images, self.hidden = dom.end_element, dom.images, dom.hidden
        self.parts = []
        self.link_chars_now = self.links = self.words_now = 0
        self.in_link = False

    cdef Py_ssize_t open_element(self, lxb_dom_node_t *node, str tag, Py_ssize_t parent) except -1:
        """``blocks._open_element`` reading the attributes off the element."""
        cdef lxb_dom_attr_t *attr = lxb_dom_element_first_attribute_noi(<lxb_dom_element_t *> node)
        cdef const lxb_char_t *name
        cdef const lxb_char_t *value
        cdef size_t name_len = 0
        cdef size_t value_len = 0
        cdef bint any_attr = False, has_hidden = False
        cls = ident = role = itemprop = style = aria = None
        words = ""
        hidden = False
        while attr != NULL:
            name = lxb_dom_attr_qualified_name(attr, &name_len)
            if name != NULL:
                any_attr = True
                value = lxb_dom_attr_value_noi(attr, &value_len)
                if _name_is(name, name_len, b"class"):
                    cls = _decoded(value, value_len)
                elif _name_is(name, name_len, b"id"):
                    ident = _decoded(value, value_len)
                elif _name_is(name, name_len, b"role"):
                    role = _decoded(value, value_len)
                elif _name_is(name, name_len, b"itemprop"):
                    itemprop = _decoded(value, value_len)
                elif _name_is(name, name_len, b"style"):
                    style = _decoded(value, value_len)
                elif _name_is(name, name_len, b"aria-hidden"):
                    aria = _decoded(value, value_len)
                elif _name_is(name, name_len, b"hidden"):
                    has_hidden = True
            attr = attr.next
        if any_attr:
            words = " ".join([v for v in (cls, ident, role, itemprop) if v])
            hidden = (
                has_hidden
                or aria == "true"
                or (style is not None and _HIDDEN_STYLE.search(style) is not None)
            )
        step = _STEPS.get((tag, cls)) or _step(tag, cls)
        cdef Py_ssize_t index = len(self.tag)
        blocks = len(self.text)
        self.tag.append(tag)
        self.parent.append(parent)
        self.words.append(words)
        self.path.append(step)
        self.hidden.append(hidden)
        self.first_block.append(blocks)
        self.end_block.append(blocks)
        self.end_element.append(index + 1)
        self.images.append(0)
        return index

    cdef int flush(self, Py_ssize_t owner) except -1:
        """Close the collected text as a block of ``owner`` (``blocks._add_block``, ``_clean``)."""
        if self.words_now:
            raw = "".join(self.parts)
            if BREAK not in raw:
                text = " ".join(raw.split())
            else:
                text = "\n".join([line for line in [" ".join(part.split()) for part in raw.split(BREAK)] if line])
            if text:
                self.text.append(text)
                self.owner.append(owner)
                self.link_chars.append(min(self.link_chars_now, len(text)))
                self.links_of.append(self.links)
        self.parts.clear()
        self.link_chars_now = self.links = self.words_now = 0
        return 0

    cdef int add_text(self, lxb_dom_character_data_t *chars) except -1:
        cdef size_t length = chars.data.length
        if chars.data.data == NULL or not length:
            return 0
        if _ascii_space(chars.data.data, length):
            self.parts.append(" ")  # a separator, as any whitespace is to split()
            return 0
        text = PyUnicode_DecodeUTF8(<char *> chars.data.data, length, "replace")
        self.parts.append(text)
        if not text.isspace():
            self.words_now += 1
            if self.in_link:
                self.link_chars_now += len(text.strip())
        return 0

    cdef int close(self, Py_ssize_t element) except -1:
        """``blocks._close``: an element with no block below it is forgotten with its subtree."""
        cdef Py_ssize_t blocks = len(self.text)
        if blocks == <Py_ssize_t> self.first_block[element] and element > 0:
            images = self.images
            images[self.parent[element]] += sum(images[element:])
            for column in (
                self.tag, self.parent, self.words, self.path, self.hidden,
                self.first_block, self.end_block, self.end_element, images,
            ):
                del column[element:]
            return 0
        self.end_block[element] = blocks
        self.end_element[element] = len(self.tag)
        return 0

    cdef int leave(self, Frame *frame) except -1:
        if frame.element >= 0:
            self.flush(frame.element)
            self.close(frame.element)
        self.in_link = frame.in_link
        self.current = frame.owner
        return 0


cdef inline object _decoded(const lxb_char_t *value, size_t length):
    return PyUnicode_DecodeUTF8(<char *> value, length, "replace") if value != NULL else None


def walk(LexborNode body):
    """Blocks and elements of the subtree under ``body``, as ``blocks.walk`` gives them."""
    cdef _Walk w = _Walk()
    cdef Py_ssize_t root = w.open_element(body.node, "body", -1)
    cdef Py_ssize_t depth = 0, capacity = 64
    cdef Frame *stack = <Frame *> malloc(capacity * sizeof(Frame))
    cdef Frame *grown
    cdef lxb_dom_node_t *top = body.node
    cdef lxb_dom_node_t *node = top.first_child
    cdef int kind
    if stack == NULL:
        raise MemoryError()
    w.current = root
    try:
        while node != NULL:
            kind = -1  # not entered
            if node.type == LXB_DOM_NODE_TYPE_TEXT:
                w.add_text(<lxb_dom_character_data_t *> node)
            elif node.type == LXB_DOM_NODE_TYPE_ELEMENT:
                kind = _kind(node)
                if kind == KIND_BR:
                    w.parts.append(BREAK)
                    kind = -1
                elif kind == KIND_IMG:
                    w.images[w.current] += 1
                    kind = -1
                elif kind == KIND_SKIP:
                    kind = -1
                else:
                    if depth == capacity:
                        capacity *= 2
                        grown = <Frame *> realloc(stack, capacity * sizeof(Frame))
                        if grown == NULL:
                            raise MemoryError()
                        stack = grown
                    stack[depth].element = -1
                    stack[depth].in_link = w.in_link
                    stack[depth].owner = w.current
                    depth += 1
                    if kind == KIND_BLOCK:
                        w.flush(w.current)
                        w.current = w.open_element(node, NAMES[node.local_name], w.current)
                        stack[depth - 1].element = w.current
                    elif kind == KIND_A:
                        w.links += 1
                        w.in_link = True
            if kind >= 0:
                if node.first_child != NULL:
                    node = node.first_child
                    continue
                depth -= 1
                w.leave(&stack[depth])
            while True:  # up past every subtree that ends here, leaving its elements
                if node.next != NULL:
                    node = node.next
                    break
                node = node.parent
                if node == top or node == NULL:
                    node = NULL
                    break
                depth -= 1
                w.leave(&stack[depth])
    finally:
        free(stack)
    w.flush(root)
    w.close(root)
    return _finish(w.dom)
