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

from winnow.parse.blocks import BREAK, PageDom, _STEPS, _step, _finish, _HIDDEN_STYLE, _clean

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


cdef Py_ssize_t _open_element(dom, lxb_dom_node_t *node, str tag, Py_ssize_t parent):
    """``blocks._open_element`` reading the attributes off the element."""
    cdef lxb_dom_attr_t *attr = lxb_dom_element_first_attribute_noi(<lxb_dom_element_t *> node)
    cdef const lxb_char_t *name
    cdef const lxb_char_t *value
    cdef size_t name_len = 0
    cdef size_t value_len = 0
    cls = ident = role = itemprop = style = aria = None
    cdef bint any_attr = False, has_hidden = False
    words = ""
    hidden = False
    while attr != NULL:
        name = lxb_dom_attr_qualified_name(attr, &name_len)
        if name != NULL:
            any_attr = True
            value = lxb_dom_attr_value_noi(attr, &value_len)
            text = PyUnicode_DecodeUTF8(<char *> value, value_len, "replace") if value else None
            if _name_is(name, name_len, b"class"):
                cls = text
            elif _name_is(name, name_len, b"id"):
                ident = text
            elif _name_is(name, name_len, b"role"):
                role = text
            elif _name_is(name, name_len, b"itemprop"):
                itemprop = text
            elif _name_is(name, name_len, b"style"):
                style = text
            elif _name_is(name, name_len, b"aria-hidden"):
                aria = text
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
    cdef Py_ssize_t index = len(dom.tag)
    blocks = len(dom.text)
    dom.tag.append(tag)
    dom.parent.append(parent)
    dom.words.append(words)
    dom.path.append(step)
    dom.hidden.append(hidden)
    dom.first_block.append(blocks)
    dom.end_block.append(blocks)
    dom.end_element.append(index + 1)
    dom.images.append(0)
    return index


cdef void _add_block(dom, list parts, Py_ssize_t owner, Py_ssize_t link_chars, Py_ssize_t links):
    text = _clean("".join(parts))
    if text:
        dom.text.append(text)
        dom.owner.append(owner)
        dom.link_chars.append(min(link_chars, len(text)))
        dom.links.append(links)


cdef void _close(dom, Py_ssize_t element):
    """``blocks._close``: an element with no block below it is forgotten with its subtree."""
    cdef Py_ssize_t blocks = len(dom.text)
    if blocks == dom.first_block[element] and element > 0:
        images = dom.images
        images[dom.parent[element]] += sum(images[element:])
        for column in (
            dom.tag, dom.parent, dom.words, dom.path, dom.hidden,
            dom.first_block, dom.end_block, dom.end_element, images,
        ):
            del column[element:]
        return
    dom.end_block[element] = blocks
    dom.end_element[element] = len(dom.tag)


cdef class _Walk:
    """The walk's running state: the text collected since the last block boundary, the
    innermost block element owning it, whether it sits in a link."""

    cdef object dom
    cdef list parts
    cdef Py_ssize_t link_chars, links, words, owner
    cdef bint in_link

    def __cinit__(self):
        self.dom = PageDom()
        self.parts = []
        self.link_chars = self.links = self.words = 0
        self.in_link = False

    cdef void flush(self, Py_ssize_t owner):
        """Close the collected text as a block of ``owner`` (a boundary was reached)."""
        if self.words:
            _add_block(self.dom, self.parts, owner, self.link_chars, self.links)
        self.parts.clear()
        self.link_chars = self.links = self.words = 0

    cdef void text(self, lxb_dom_character_data_t *chars):
        if chars.data.data == NULL or not chars.data.length:
            return
        text = PyUnicode_DecodeUTF8(<char *> chars.data.data, chars.data.length, "replace")
        self.parts.append(text)
        if not text.isspace():
            self.words += 1
            if self.in_link:
                self.link_chars += len(text.strip())

    cdef void leave(self, Frame *frame):
        if frame.element >= 0:
            self.flush(frame.element)
            _close(self.dom, frame.element)
        self.in_link = frame.in_link
        self.owner = frame.owner


def walk(LexborNode body):
    """Blocks and elements of the subtree under ``body``, as ``blocks.walk`` gives them."""
    cdef _Walk w = _Walk()
    cdef Py_ssize_t root = _open_element(w.dom, body.node, "body", -1)
    cdef Py_ssize_t depth = 0, capacity = 64
    cdef Frame *stack = <Frame *> malloc(capacity * sizeof(Frame))
    cdef Frame *grown
    cdef lxb_dom_node_t *top = body.node
    cdef lxb_dom_node_t *node = top.first_child
    cdef int kind
    if stack == NULL:
        raise MemoryError()
    w.owner = root
    try:
        while node != NULL:
            kind = -1  # not entered
            if node.type == LXB_DOM_NODE_TYPE_TEXT:
                w.text(<lxb_dom_character_data_t *> node)
            elif node.type == LXB_DOM_NODE_TYPE_ELEMENT:
                kind = _kind(node)
                if kind == KIND_BR:
                    w.parts.append(BREAK)
                    kind = -1
                elif kind == KIND_IMG:
                    w.dom.images[w.owner] += 1
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
                    stack[depth].owner = w.owner
                    depth += 1
                    if kind == KIND_BLOCK:
                        w.flush(w.owner)
                        w.owner = _open_element(w.dom, node, NAMES[node.local_name], w.owner)
                        stack[depth - 1].element = w.owner
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
    _close(w.dom, root)
    return _finish(w.dom)
