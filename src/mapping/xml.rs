//! A small element tree for the ATNA family, and a fast reader for the plain XML that audit
//! messages are written in.
//!
//! Why: building a `roxmltree` DOM costs about 5 us per audit message, most of it in work the
//! mapping never looks at (positions, namespace tables, every text node). The fast reader
//! here handles only a narrow, common subset of XML (ASCII names, at most one prefix,
//! attribute values and text with the five predefined entities, an optional
//! `<?xml version=... ?>` declaration, nothing before or after the root but white space)
//! and answers `None` for anything else, leaving the verdict to `roxmltree`.
//!
//! The one rule that keeps mapping results unchanged: whenever [`parse_fast`] returns a tree,
//! `roxmltree` accepts the same text and [`from_dom`] of its document gives an equal tree.
//! So the fast reader may decline anything it is unsure of, but must never accept what
//! `roxmltree` rejects (the `atna.malformed` rule depends on that). The tests below check
//! this on hand-picked and on randomly damaged messages.

use std::borrow::Cow;

/// The elements of one document in document order (the root first), with the attributes
/// that carry no namespace and each element's leading text.
#[derive(Debug, Default, PartialEq)]
pub struct Tree<'a> {
    elements: Vec<Element<'a>>,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
}

/// Index 0 is the root, which is nobody's child or sibling: 0 doubles as "none" in links.
const NONE: u32 = 0;

#[derive(Debug, PartialEq)]
struct Element<'a> {
    /// Local name (any prefix cut off).
    name: &'a str,
    /// Range in [`Tree::attrs`].
    attrs: (u32, u32),
    /// The element's first child when that is text (what `roxmltree::Node::text` gives).
    text: Option<Cow<'a, str>>,
    first_child: u32,
    next_sibling: u32,
}

/// An element of a [`Tree`].
#[derive(Clone, Copy)]
pub struct Node<'t, 'a> {
    tree: &'t Tree<'a>,
    id: u32,
}

impl<'t, 'a> Node<'t, 'a> {
    fn el(&self) -> &'t Element<'a> {
        &self.tree.elements[self.id as usize]
    }

    /// Local name.
    pub fn name(&self) -> &'t str {
        self.el().name
    }

    /// An attribute without namespace prefix.
    pub fn attribute(&self, name: &str) -> Option<&'t str> {
        let (from, to) = self.el().attrs;
        self.tree.attrs[from as usize..to as usize]
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The text before the first child element, if any.
    pub fn text(&self) -> Option<&'t str> {
        self.el().text.as_deref()
    }

    /// The child elements, in order.
    pub fn children(&self) -> impl Iterator<Item = Node<'t, 'a>> + 't {
        let tree = self.tree;
        let mut next = self.el().first_child;
        std::iter::from_fn(move || {
            (next != NONE).then(|| {
                let n = Node { tree, id: next };
                next = n.el().next_sibling;
                n
            })
        })
    }
}

impl<'a> Tree<'a> {
    pub fn root(&self) -> Option<Node<'_, 'a>> {
        (!self.elements.is_empty()).then_some(Node { tree: self, id: 0 })
    }
}

// ---------------------------------------------------------------------------------------
// Building

/// Appends elements in document order and links them to their parent and siblings.
#[derive(Default)]
struct Builder<'a> {
    tree: Tree<'a>,
    /// Open elements: (id, id of its last child so far or NONE).
    open: Vec<(u32, u32)>,
}

impl<'a> Builder<'a> {
    fn start(&mut self, name: &'a str) {
        let id = self.tree.elements.len() as u32;
        let at = self.tree.attrs.len() as u32;
        self.tree.elements.push(Element {
            name,
            attrs: (at, at),
            text: None,
            first_child: NONE,
            next_sibling: NONE,
        });
        if let Some((parent, last)) = self.open.last_mut() {
            if *last == NONE {
                self.tree.elements[*parent as usize].first_child = id;
            } else {
                self.tree.elements[*last as usize].next_sibling = id;
            }
            *last = id;
        }
        self.open.push((id, NONE));
    }

    /// An attribute of the element started last (before any of its children).
    fn attr(&mut self, name: &'a str, value: Cow<'a, str>) {
        self.tree.attrs.push((name, value));
        let id = self.open.last().map_or(0, |o| o.0) as usize;
        self.tree.elements[id].attrs.1 = self.tree.attrs.len() as u32;
    }

    fn current(&mut self) -> Option<&mut Element<'a>> {
        let id = self.open.last()?.0 as usize;
        Some(&mut self.tree.elements[id])
    }

    fn end(&mut self) {
        self.open.pop();
    }
}

/// The tree of a document `roxmltree` has parsed (the slow path).
pub fn from_dom<'a>(doc: &'a roxmltree::Document<'_>) -> Tree<'a> {
    fn visit<'a>(b: &mut Builder<'a>, n: roxmltree::Node<'a, '_>) {
        b.start(n.tag_name().name());
        for a in n.attributes().filter(|a| a.namespace().is_none()) {
            b.attr(a.name(), Cow::Borrowed(a.value()));
        }
        if let Some(e) = b.current() {
            e.text = n.text().map(Cow::Borrowed);
        }
        for c in n.children().filter(|c| c.is_element()) {
            visit(b, c);
        }
        b.end();
    }
    let mut b = Builder::default();
    visit(&mut b, doc.root_element());
    b.tree
}

// ---------------------------------------------------------------------------------------
// The fast reader

/// Byte classes for the scanning loops: plain data, name characters, and bytes that need a
/// closer look in values and text (`&`, `<`, control characters, 0xEF which starts U+FEFF,
/// U+FFFE and U+FFFF).
const DATA: u8 = 0;
const NAME: u8 = 1;
const SPECIAL: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [DATA; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-') {
            NAME
        } else if c < 0x20 || matches!(c, b'&' | b'<' | 0xEF) {
            SPECIAL
        } else {
            DATA
        };
        i += 1;
    }
    t
};

const XML_URI: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_URI: &str = "http://www.w3.org/2000/xmlns/";

/// Far below `roxmltree`'s node limit, so that limit can never be what tells them apart.
const MAX_NODES: usize = 50_000;
/// Deeper nesting and more namespace declarations are left to roxmltree (its own limits
/// then decide); audit messages nest a few levels and declare a namespace or two.
const MAX_DEPTH: usize = 256;
const MAX_NAMESPACES: usize = 256;

/// The tree of `doc` when it is in the subset this reader knows to be well-formed; `None`
/// when it is not well-formed *or* uses anything outside that subset.
pub fn parse_fast(doc: &str) -> Option<Tree<'_>> {
    // Rough sizes (one element per 100 bytes, one attribute per 40) spare most regrowth.
    let out = Builder {
        tree: Tree {
            elements: Vec::with_capacity(doc.len() / 100 + 4),
            attrs: Vec::with_capacity(doc.len() / 40 + 4),
        },
        open: Vec::with_capacity(8),
    };
    let mut r = Reader {
        s: doc,
        b: doc.as_bytes(),
        pos: 0,
        out,
        names: Vec::new(),
        scopes: Vec::new(),
        nodes: 0,
        attrs: Vec::new(),
    };
    if doc.starts_with("<?xml ") {
        r.declaration()?;
    }
    r.skip_spaces();
    r.element_tree()?;
    r.skip_spaces();
    (r.pos == r.b.len()).then_some(r.out.tree)
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    out: Builder<'a>,
    /// Raw qualified names of the open elements, for matching the closing tags.
    names: Vec<&'a str>,
    /// Namespace prefixes in scope: (prefix, URI, depth of the declaring element).
    scopes: Vec<(&'a str, &'a str, usize)>,
    nodes: usize,
    /// The attributes of the start tag being read (kept to reuse its allocation).
    attrs: Vec<RawAttr<'a>>,
}

/// One attribute of a start tag, kept until the whole tag is read (namespace declarations
/// may come after the attributes that use them).
struct RawAttr<'a> {
    prefix: &'a str,
    local: &'a str,
    value: Cow<'a, str>,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn eat(&mut self, lit: &str) -> Option<()> {
        self.b[self.pos..].starts_with(lit.as_bytes()).then(|| {
            self.pos += lit.len();
        })
    }

    /// Skips XML white space; returns whether there was any.
    fn skip_spaces(&mut self) -> bool {
        let from = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        self.pos > from
    }

    /// `[A-Za-z_][A-Za-z0-9_.-]*`: a name every XML parser accepts, ASCII only.
    fn name(&mut self) -> Option<&'a str> {
        let from = self.pos;
        let rest = &self.b[from..];
        if !matches!(rest.first()?, b'A'..=b'Z' | b'a'..=b'z' | b'_') {
            return None;
        }
        let len = rest
            .iter()
            .position(|&c| CLASS[c as usize] != NAME)
            .unwrap_or(rest.len());
        self.pos += len;
        Some(&self.s[from..self.pos])
    }

    /// `name` or `prefix:name` as (prefix, local); prefixes starting with `xml` (`xml:lang`,
    /// `xmlns:x` on an element) are left to roxmltree, except that `xmlns:x` attributes are
    /// handled by the caller.
    fn qname(&mut self) -> Option<(&'a str, &'a str)> {
        let first = self.name()?;
        if self.peek() == Some(b':') {
            self.pos += 1;
            let local = self.name()?;
            Some((first, local))
        } else {
            Some(("", first))
        }
    }

    /// `<?xml version="..." [encoding="..."] [standalone="..."] ?>` with plain values.
    fn declaration(&mut self) -> Option<()> {
        self.eat("<?xml")?;
        let mut keys = ["version", "encoding", "standalone"].into_iter();
        // The version is required; the others are optional but keep their order.
        let mut required = true;
        loop {
            let spaced = self.skip_spaces();
            if self.eat("?>").is_some() {
                return (!required).then_some(());
            }
            if !spaced {
                return None;
            }
            let key = self.name()?;
            if !keys.any(|k| k == key) || (required && key != "version") {
                return None;
            }
            required = false;
            self.eq()?;
            let value = self.quoted()?;
            if !value
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
            {
                return None;
            }
        }
    }

    /// `S? = S?`
    fn eq(&mut self) -> Option<()> {
        self.skip_spaces();
        self.eat("=")?;
        self.skip_spaces();
        Some(())
    }

    /// A quoted value, raw (up to the same quote; `<` may not occur in it).
    fn quoted(&mut self) -> Option<&'a str> {
        let quote = self.peek().filter(|q| matches!(q, b'"' | b'\''))?;
        let from = self.pos + 1;
        let len = memchr::memchr(quote, &self.b[from..])?;
        self.pos = from + len + 1;
        Some(&self.s[from..from + len])
    }

    /// The root element and everything in it.
    fn element_tree(&mut self) -> Option<()> {
        self.start_tag()?;
        while !self.names.is_empty() {
            match self.peek()? {
                b'<' => match self.b.get(self.pos + 1)? {
                    b'/' => self.end_tag()?,
                    b'!' | b'?' => return None,
                    _ => self.start_tag()?,
                },
                _ => self.text()?,
            }
        }
        Some(())
    }

    fn count_node(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    /// `<name attr="v" ...>` or `<name .../>`.
    fn start_tag(&mut self) -> Option<()> {
        self.eat("<")?;
        let from = self.pos;
        let (prefix, local) = self.qname()?;
        let raw_name = &self.s[from..self.pos];
        let mut attrs = std::mem::take(&mut self.attrs);
        attrs.clear();
        let empty = loop {
            let spaced = self.skip_spaces();
            match self.peek()? {
                b'>' => {
                    self.pos += 1;
                    break false;
                }
                b'/' => {
                    self.pos += 1;
                    self.eat(">")?;
                    break true;
                }
                _ if !spaced => return None,
                _ => {
                    let (p, l) = self.qname()?;
                    self.eq()?;
                    let value = attr_value(self.quoted()?)?;
                    attrs.push(RawAttr {
                        prefix: p,
                        local: l,
                        value,
                    });
                }
            }
        };
        self.count_node()?;
        let depth = self.names.len() + 1;
        if depth > MAX_DEPTH {
            return None;
        }
        self.declare(&attrs, depth)?;
        self.resolve(prefix)?;
        self.out.start(local);
        self.names.push(raw_name);
        self.check_duplicates(&attrs)?;
        for a in attrs.drain(..) {
            if a.prefix.is_empty() && a.local != "xmlns" {
                self.out.attr(a.local, a.value);
            }
        }
        self.attrs = attrs;
        if empty {
            self.close();
        }
        Some(())
    }

    /// The namespace declarations of a start tag, in scope from this element down.
    fn declare(&mut self, attrs: &[RawAttr<'a>], depth: usize) -> Option<()> {
        let first = self.scopes.len();
        let mut default_seen = false;
        for a in attrs {
            let decl = match (a.prefix, a.local) {
                ("xmlns", p) => Some(p),
                ("", "xmlns") => None,
                (p, _) if p.len() >= 3 && p[..3].eq_ignore_ascii_case("xml") => return None,
                _ => continue,
            };
            // A borrowed value has no entity in it; the URI checks below then apply to the
            // text as written.
            let Cow::Borrowed(uri) = a.value else {
                return None;
            };
            if uri.is_empty() || uri == XML_URI || uri == XMLNS_URI {
                return None;
            }
            match decl {
                Some(p) => {
                    let clash = self.scopes[first..].iter().any(|s| s.0 == p);
                    let reserved = p.len() >= 3 && p[..3].eq_ignore_ascii_case("xml");
                    if clash || reserved || self.scopes.len() >= MAX_NAMESPACES {
                        return None;
                    }
                    self.scopes.push((p, uri, depth));
                }
                None if default_seen => return None,
                None => default_seen = true,
            }
        }
        Some(())
    }

    /// The URI of a prefix in scope (`""` for no prefix); `None` for an undeclared one.
    fn resolve(&self, prefix: &str) -> Option<&'a str> {
        if prefix.is_empty() {
            return Some("");
        }
        if prefix.len() >= 3 && prefix[..3].eq_ignore_ascii_case("xml") {
            return None;
        }
        self.scopes
            .iter()
            .rev()
            .find(|s| s.0 == prefix)
            .map(|s| s.1)
    }

    /// No two attributes of a tag with the same expanded name (prefixed ones compared by
    /// namespace URI).
    fn check_duplicates(&self, attrs: &[RawAttr<'a>]) -> Option<()> {
        let is_decl =
            |a: &RawAttr| a.prefix == "xmlns" || (a.prefix.is_empty() && a.local == "xmlns");
        for (i, a) in attrs.iter().enumerate().filter(|(_, a)| !is_decl(a)) {
            let uri = self.resolve(a.prefix)?;
            for b in attrs[..i]
                .iter()
                .filter(|b| !is_decl(b) && b.local == a.local)
            {
                if self.resolve(b.prefix)? == uri {
                    return None;
                }
            }
        }
        Some(())
    }

    /// `</name>` matching the innermost open element.
    fn end_tag(&mut self) -> Option<()> {
        self.eat("</")?;
        let from = self.pos;
        self.qname()?;
        let name = &self.s[from..self.pos];
        self.skip_spaces();
        self.eat(">")?;
        (self.names.last() == Some(&name)).then(|| self.close())
    }

    fn close(&mut self) {
        self.names.pop();
        self.out.end();
        let depth = self.names.len();
        while self.scopes.last().is_some_and(|s| s.2 > depth) {
            self.scopes.pop();
        }
    }

    /// Character data up to the next `<`; kept when it is an element's first child.
    fn text(&mut self) -> Option<()> {
        let from = self.pos;
        let len = memchr::memchr(b'<', &self.b[from..])?;
        self.pos = from + len;
        let raw = &self.s[from..self.pos];
        if raw.contains("]]>") || raw.contains('\r') {
            return None;
        }
        let value = unescape(raw, b"\t\n")?;
        self.count_node()?;
        // Comments, PIs and CDATA are declined, so text before any child element is the
        // element's first child node, and the only text chunk before that child.
        if let Some(e) = self.out.current() {
            if e.first_child == NONE && e.text.is_none() {
                e.text = Some(value);
            }
        }
        Some(())
    }
}

/// An attribute value with its entities replaced; `None` when it holds anything roxmltree
/// would normalise (TAB, line breaks) or reject, or a character reference.
fn attr_value(raw: &str) -> Option<Cow<'_, str>> {
    if raw.contains('<') {
        return None;
    }
    unescape(raw, b"")
}

/// `raw` with the five predefined entities replaced. `None` for a control character other
/// than those in `allowed`, for U+FFFE / U+FFFF or a BOM (any 0xEF lead byte, to keep the
/// check short), for character references and for any other `&`.
fn unescape<'a>(raw: &'a str, allowed: &[u8]) -> Option<Cow<'a, str>> {
    let bad = |c: u8| (c < 0x20 && !allowed.contains(&c)) || c == 0xEF;
    if !raw.bytes().any(|c| CLASS[c as usize] == SPECIAL) {
        return Some(Cow::Borrowed(raw));
    }
    if raw.bytes().any(bad) {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (c, len) = [
            ("amp;", '&'),
            ("lt;", '<'),
            ("gt;", '>'),
            ("quot;", '"'),
            ("apos;", '\''),
        ]
        .iter()
        .find(|(name, _)| rest.starts_with(name))
        .map(|(name, c)| (*c, name.len()))?;
        out.push(c);
        rest = &rest[len..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use roxmltree::{Document, ParsingOptions};

    const OPTS: ParsingOptions = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 100_000,
    };

    /// The rule the ATNA family relies on: a tree from the fast reader is exactly what
    /// roxmltree gives. Returns whether the fast reader accepted `doc`.
    fn agrees(doc: &str) -> bool {
        let Some(fast) = parse_fast(doc) else {
            return false;
        };
        let dom = Document::parse_with_options(doc, OPTS)
            .unwrap_or_else(|e| panic!("fast reader accepted what roxmltree rejects ({e}): {doc}"));
        assert_eq!(fast, from_dom(&dom), "trees differ for {doc}");
        true
    }

    const SAMPLE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <AuditMessage xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
        xsi:noNamespaceSchemaLocation=\"x.xsd\"><EventIdentification EventActionCode=\"R\" \
        EventOutcomeIndicator=\"0\"><EventID csd-code=\"110110\" originalText=\"Patient Record\"/>\
        </EventIdentification><ActiveParticipant UserID=\"a&amp;b\" UserIsRequestor=\"true\">\
        <RoleIDCode csd-code=\"110153\"/></ActiveParticipant><ParticipantObjectIdentification \
        ParticipantObjectID=\"PID^^^Site&amp;1.2&amp;ISO\"><ParticipantObjectIDTypeCode \
        csd-code=\"2\"/><Note>x &lt; y</Note></ParticipantObjectIdentification></AuditMessage>";

    #[test]
    fn accepts_plain_audit_messages_as_roxmltree_reads_them() {
        assert!(agrees(SAMPLE));
        for doc in [
            "<AuditMessage/>",
            "<AuditMessage></AuditMessage>",
            "<a:AuditMessage xmlns:a=\"urn:x\"><a:E>R</a:E></a:AuditMessage>",
            "<A xmlns=\"urn:d\"><B>  <C/>tail</B><D>t&gt;&quot;&apos;</D></A>\n",
            "<A x='1' y = \"2\"><B>\tline\nbreak</B></A>",
        ] {
            assert!(agrees(doc), "{doc}");
        }
    }

    #[test]
    fn declines_what_it_does_not_vouch_for() {
        for doc in [
            "<A>",
            "<A></B>",
            "<A x=\"1\" x=\"2\"/>",
            "<A x=\"1\"y=\"2\"/>",
            "<a:A/>",
            "<A xmlns:p=\"u\" xmlns:q=\"u\" p:x=\"1\" q:x=\"2\"/>",
            "<A>&#60;</A>",
            "<A>&nbsp;</A>",
            "<A>a & b</A>",
            "<A x=\"a\tb\"/>",
            "<A>\r\n</A>",
            "<A>]]></A>",
            "<A><!-- c --></A>",
            "<A><![CDATA[x]]></A>",
            "<A><?pi x?></A>",
            "<A/><B/>",
            "<A/>text",
            "<?xml version=\"1.0\"?><!DOCTYPE A><A/>",
            "<?xml encoding=\"UTF-8\"?><A/>",
            "<?xml version=\"1.0\"standalone=\"yes\"?><A/>",
            "<A xml:lang=\"en\"/>",
            "<A x=\"\u{1}\"/>",
            "<A>\u{feff}</A>",
            "<Ä/>",
        ] {
            assert!(!agrees(doc), "{doc}");
        }
    }

    proptest::proptest! {
        /// Damage a realistic message at random (cut, insert and replace bytes that matter to
        /// XML): whenever the fast reader accepts the result, roxmltree must agree.
        #[test]
        fn never_accepts_what_roxmltree_would_not(
            edits in proptest::collection::vec(
                (0usize..2000, 0usize..3, proptest::sample::select(vec![
                    "<", ">", "/", "\"", "'", "&", "&amp;", ";", ":", "=", " ", "\t", "\r",
                    "\n", "x", "<!--", "]]>", "xmlns:q=\"u\" ", "q:", "&#", "\u{1}", "\u{fffe}",
                    "</A>", "<A>", "<?", "é",
                ])),
                1..4,
            )
        ) {
            let mut doc = SAMPLE.to_owned();
            for (at, kind, piece) in edits {
                let mut at = at % (doc.len() + 1);
                while !doc.is_char_boundary(at) {
                    at -= 1;
                }
                let next = doc[at..].chars().next().map_or(0, char::len_utf8);
                match kind {
                    0 => doc.insert_str(at, piece),
                    1 => doc.replace_range(at..at + next, piece),
                    _ => doc.replace_range(at..at + next, ""),
                }
            }
            agrees(&doc);
        }
    }
}
