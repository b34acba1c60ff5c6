//! Writing XML responses straight from the typed value: a [`serde::Serializer`] that walks the
//! value's serde structure and, in step, the response schema, and appends bytes to one buffer.
//! No `serde_json::Value` or element tree is built.
//!
//! quick-xml's own serde serializer is not used because the wire format is decided by the spec,
//! not by the Rust types: it names elements after struct fields and type names, while the spec
//! names them with `xml.name` (an array's items take the `xml.name` of the schema their `$ref`
//! points to, a root element the response schema's); it cannot wrap or unwrap an array per
//! property according to `xml.wrapped`; and it writes `None` as an empty or missing element,
//! where Coupa writes `<x nil="true"/>`. The generated types cannot carry those rules (they are
//! generated from the same specs for the client and never edited).
//!
//! The output is the one the spec's schemas describe (and the one the runtime wrote when it
//! walked a `serde_json::Value` tree; the tests keep that writer as the oracle):
//!
//! - the root element is the response schema's `xml.name` (a fallback when it has none);
//! - an object's properties are written in the schema's property order, then any others in the
//!   order they come; a property's element is named by its own `xml.name`, else its key;
//! - an array property is one element wrapping its items when the property is `xml.wrapped`,
//!   else one element per item named after the property; items of a wrapped array or a root
//!   array take their schema's `xml.name`, else the singular of the array's name;
//! - null (`None`, unit, a non-finite float) is `<x nil="true"/>`; strings are escaped
//!   (`<`, `>`, `&`); numbers are written as `serde_json` writes them.
//!
//! The schemas are compiled once per router into a [`Plan`]: a node per schema, with its
//! properties in schema order and an index sorted by key (a struct's field names, `'static`
//! strings, are then recognised by address). The typed structs serialise their fields in their
//! own (alphabetical) order, so each field is written as its own run of pieces of the buffer,
//! and at the end of an object the runs are relinked in schema order: the work is per field,
//! not per byte. The chain of pieces is copied into the body once at the end (or, when no
//! object needed reordering, the buffer is the body).

use std::collections::HashMap;
use std::fmt::{Display, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::ser::{self, Error as _, Impossible, Serialize};
use serde_json::{Error, Value};

use crate::schema::Schemas;

/// A node of a [`Plan`]: index into [`Plan::nodes`].
type NodeId = u32;

/// The node of "no schema": no names, no properties.
const EMPTY: NodeId = 0;

/// The response schemas of one API, compiled for writing XML. Built once per router.
#[derive(Debug)]
pub struct Plan {
    nodes: Vec<Node>,
    /// Each response schema (its JSON text, as the generated code names it) to its node.
    roots: HashMap<&'static str, NodeId>,
}

/// A response schema compiled into a [`Plan`].
#[derive(Debug, Clone, Copy)]
pub struct Root(NodeId);

/// What the writer needs of one schema, after `$ref`s and compositions are followed
/// ([`Schemas::shape`]).
#[derive(Debug, Default)]
struct Node {
    /// `xml.name` of the schema or of what it refers to: names a root element or array items.
    name: Option<Box<str>>,
    /// The schema's own `xml.name`: names the element of a property described by this schema
    /// (the `xml.name` of a referenced schema names only a root element or an item).
    own_name: Option<Box<str>>,
    wrapped: bool,
    items: NodeId,
    /// `additionalProperties`, when it is a schema (not `true`).
    additional: Option<NodeId>,
    /// In schema order: a property's index is its rank in the output.
    properties: Box<[Property]>,
    /// Indices into `properties`, sorted by key.
    by_key: Box<[u32]>,
}

#[derive(Debug)]
struct Property {
    key: Box<str>,
    /// The property's own `xml.name`, else its key.
    element: Box<str>,
    node: NodeId,
    /// The address of the `'static` field name last found to be `key` (a struct's field names
    /// are the same strings on every response, so they are recognised without comparing text).
    seen: AtomicUsize,
}

impl Plan {
    /// Compiles `roots` (each response schema's JSON text and the parsed schema) against the
    /// API's component schemas.
    pub fn build<'a>(
        schemas: &Schemas,
        roots: impl IntoIterator<Item = (&'static str, &'a Value)>,
    ) -> Plan {
        let mut builder = Builder::new(schemas);
        let roots = roots
            .into_iter()
            .map(|(text, schema)| (text, builder.node(schema)))
            .collect();
        Plan {
            nodes: builder.nodes,
            roots,
        }
    }

    /// Compiles one schema (one not compiled with the router's).
    pub fn one(schemas: &Schemas, schema: &Value) -> (Plan, Root) {
        let mut builder = Builder::new(schemas);
        let root = builder.node(schema);
        let plan = Plan {
            nodes: builder.nodes,
            roots: HashMap::new(),
        };
        (plan, Root(root))
    }

    /// The compiled response schema whose JSON text is `schema`.
    pub fn root(&self, schema: &str) -> Option<Root> {
        self.roots.get(schema).copied().map(Root)
    }

    fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }
}

struct Builder<'s> {
    schemas: &'s Schemas,
    nodes: Vec<Node>,
    /// Schemas already compiled, by address (schemas refer to each other, also in cycles).
    compiled: HashMap<*const Value, NodeId>,
}

impl<'s> Builder<'s> {
    fn new(schemas: &'s Schemas) -> Builder<'s> {
        Builder {
            schemas,
            // The first node is `EMPTY`.
            nodes: vec![Node::default()],
            compiled: HashMap::new(),
        }
    }

    fn node(&mut self, schema: &'s Value) -> NodeId {
        if let Some(id) = self.compiled.get(&(schema as *const Value)) {
            return *id;
        }
        let id = NodeId::try_from(self.nodes.len()).expect("fewer than 2^32 schemas");
        self.nodes.push(Node::default());
        self.compiled.insert(schema, id);

        let shape = self.schemas.shape(schema);
        let properties: Box<[Property]> = shape
            .properties
            .into_iter()
            .flatten()
            .map(|(key, property)| {
                let node = self.node(property);
                let element = own_xml_name(property).unwrap_or(key);
                Property {
                    key: key.as_str().into(),
                    element: element.into(),
                    node,
                    seen: AtomicUsize::new(0),
                }
            })
            .collect();
        let mut by_key: Vec<u32> = (0..properties.len() as u32).collect();
        by_key.sort_by(|a, b| {
            properties[*a as usize]
                .key
                .cmp(&properties[*b as usize].key)
        });
        let node = Node {
            name: shape.xml_name.map(Into::into),
            own_name: own_xml_name(schema).map(Into::into),
            wrapped: shape.xml_wrapped,
            items: shape.items.map_or(EMPTY, |items| self.node(items)),
            additional: shape
                .additional
                .filter(|a| a.is_object())
                .map(|a| self.node(a)),
            properties,
            by_key: by_key.into(),
        };
        self.nodes[id as usize] = node;
        id
    }
}

fn own_xml_name(schema: &Value) -> Option<&str> {
    schema.get("xml")?.get("name")?.as_str()
}

/// `accounts` → `account`, for arrays whose items have no `xml.name`.
fn singular(name: &str) -> &str {
    name.strip_suffix('s')
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
}

/// Appends `text` to `out`, escaped for element content (`<`, `>`, `&`; as
/// [`quick_xml::escape::partial_escape`]).
fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.bytes().position(|b| matches!(b, b'<' | b'>' | b'&')) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&amp;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Writes `value` as an XML document whose root element is the `xml.name` of the `root` schema
/// (`fallback` when it has none). Fails where `serde_json::to_value` would (a map key that is
/// not a string, an integer beyond 64 bits, an error from the value's `Serialize`).
pub fn write<T: Serialize + ?Sized>(
    value: &T,
    plan: &Plan,
    root: Root,
    fallback: &str,
) -> Result<String, Error> {
    let mut writer = Writer {
        plan,
        buf: String::with_capacity(4096),
        pieces: Vec::new(),
        piece_start: 0,
        last: NONE,
        marks: Vec::new(),
        slots: Vec::new(),
        spans: Vec::new(),
        reordered: false,
    };
    writer
        .buf
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let name = plan.node(root.0).name.as_deref().unwrap_or(fallback);
    value.serialize(Element {
        w: &mut writer,
        name,
        node: root.0,
        field: false,
    })?;
    writer.finish()
}

/// The output being written.
struct Writer<'p> {
    plan: &'p Plan,
    /// Every byte written, in the order written.
    buf: String,
    /// Consecutive ranges of `buf`, up to `piece_start`, chained in output order from the
    /// first.
    pieces: Vec<Piece>,
    /// Start of the piece being written (it ends at `buf.len()`).
    piece_start: usize,
    /// The last piece in output order ([`NONE`] before the first).
    last: u32,
    /// The fields of the objects being written (innermost last).
    marks: Vec<Mark>,
    /// Reordering scratch: a field per rank.
    slots: Vec<u32>,
    /// Reordering scratch: each field's first and last piece.
    spans: Vec<(u32, u32)>,
    /// Whether any object was reordered (else `buf` is the output as it is).
    reordered: bool,
}

/// No piece.
const NONE: u32 = u32::MAX;

/// A range of [`Writer::buf`] and the piece that follows it in the output.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: u32,
    end: u32,
    next: u32,
}

/// Where a field of an object starts (after piece `after`), and its place in the schema's
/// order.
#[derive(Debug, Clone, Copy)]
struct Mark {
    rank: u32,
    after: u32,
}

impl Writer<'_> {
    /// Ends the current piece (a field starts, or an object's fields end).
    fn cut(&mut self) {
        let end = self.buf.len();
        if end > self.piece_start {
            let id = self.pieces.len() as u32;
            self.pieces.push(Piece {
                start: self.piece_start as u32,
                end: end as u32,
                next: NONE,
            });
            if let Some(last) = self.pieces.get_mut(self.last as usize) {
                last.next = id;
            }
            self.last = id;
            self.piece_start = end;
        }
    }

    /// Puts the fields marked from `base` on in rank order by relinking their pieces.
    /// `known` is the number of schema properties: fields ranked below it take their
    /// property's place (a repeated key keeps the place of its first occurrence and the value
    /// of its last, as a JSON object would), the others follow in the order they came.
    fn reorder(&mut self, base: usize, known: usize) {
        let marks = &self.marks[base..];
        self.spans.clear();
        for (i, mark) in marks.iter().enumerate() {
            let tail = marks.get(i + 1).map_or(self.last, |next| next.after);
            let head = if tail == mark.after {
                NONE
            } else {
                self.pieces[mark.after as usize].next
            };
            self.spans.push((head, tail));
        }
        self.slots.clear();
        self.slots.resize(known, NONE);
        for (i, mark) in marks.iter().enumerate() {
            if (mark.rank as usize) < known {
                self.slots[mark.rank as usize] = i as u32;
            }
        }
        let unknown = marks
            .iter()
            .enumerate()
            .filter(|(_, mark)| mark.rank as usize >= known)
            .map(|(i, _)| i as u32);
        let mut current = marks[0].after;
        for field in self
            .slots
            .iter()
            .copied()
            .filter(|s| *s != NONE)
            .chain(unknown)
        {
            let (head, tail) = self.spans[field as usize];
            if head != NONE {
                self.pieces[current as usize].next = head;
                current = tail;
            }
        }
        self.pieces[current as usize].next = NONE;
        self.last = current;
        self.reordered = true;
    }

    fn finish(mut self) -> Result<String, Error> {
        if !self.reordered {
            return Ok(self.buf);
        }
        if u32::try_from(self.buf.len()).is_err() {
            // Pieces count bytes in 32 bits.
            return Err(Error::custom("an XML body of 4 GiB or more"));
        }
        self.cut();
        let mut out = String::with_capacity(self.buf.len());
        let mut at = if self.pieces.is_empty() { NONE } else { 0 };
        while let Some(piece) = self.pieces.get(at as usize) {
            out.push_str(&self.buf[piece.start as usize..piece.end as usize]);
            at = piece.next;
        }
        Ok(out)
    }

    fn open(&mut self, name: &str) {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
    }

    fn close(&mut self, name: &str) {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
    }

    fn nil(&mut self, name: &str) {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str(" nil=\"true\"/>");
    }

    fn text(&mut self, name: &str, text: &str) {
        self.open(name);
        escape_into(&mut self.buf, text);
        self.close(name);
    }

    fn display(&mut self, name: &str, value: impl Display) {
        self.open(name);
        let _ = write!(self.buf, "{value}");
        self.close(name);
    }
}

/// One element to write: `name`, described by `node`. `field` is set for an object's property,
/// where an array is written unwrapped (one element per item) unless the property is wrapped.
struct Element<'a, 'p, 'n> {
    w: &'a mut Writer<'p>,
    name: &'n str,
    node: NodeId,
    field: bool,
}

impl<'a, 'p, 'n> Element<'a, 'p, 'n>
where
    'p: 'n,
{
    fn seq(self) -> Seq<'a, 'p, 'n> {
        let plan = self.w.plan;
        let node = plan.node(self.node);
        if self.field && !node.wrapped {
            return Seq {
                w: self.w,
                close: None,
                item_name: self.name,
                item_node: node.items,
            };
        }
        self.w.open(self.name);
        Seq {
            item_name: plan
                .node(node.items)
                .name
                .as_deref()
                .unwrap_or(singular(self.name)),
            item_node: node.items,
            close: Some(self.name),
            w: self.w,
        }
    }

    fn object(self) -> Object<'a, 'p, 'n> {
        self.w.open(self.name);
        Object {
            base: self.w.marks.len(),
            w: self.w,
            name: self.name,
            node: self.node,
            last_rank: None,
            in_order: true,
            unknown: 0,
            cursor: 0,
            key: String::new(),
        }
    }

    /// The opening of `{"variant": ...}`, the JSON form of an enum variant with data: the
    /// object's element is open; returns the variant's element name and node.
    fn variant(&mut self, variant: &'static str) -> (&'n str, NodeId) {
        self.w.open(self.name);
        let plan = self.w.plan;
        let node = plan.node(self.node);
        match find(node, variant, &mut 0, true) {
            Some(i) => {
                let property = &node.properties[i as usize];
                (&property.element, property.node)
            }
            None => {
                let child = node.additional.unwrap_or(EMPTY);
                (
                    plan.node(child).own_name.as_deref().unwrap_or(variant),
                    child,
                )
            }
        }
    }
}

/// The index of property `key` in `node`. `cursor` is where the previous key was found in key
/// order: fields mostly come in key order, so the next few are tried first. A struct's field
/// names (`fixed`: `'static` strings) are recognised by their address once seen.
fn find(node: &Node, key: &str, cursor: &mut usize, fixed: bool) -> Option<u32> {
    let next = node.by_key.iter().skip(*cursor).take(4);
    if fixed {
        let address = key.as_ptr() as usize;
        for (offset, &i) in next.clone().enumerate() {
            let property = &node.properties[i as usize];
            if property.seen.load(Ordering::Relaxed) == address && property.key.len() == key.len() {
                *cursor += offset + 1;
                return Some(i);
            }
        }
    }
    let key_of = |i: u32| &*node.properties[i as usize].key;
    let at = match next.clone().position(|&i| key_of(i) == key) {
        Some(offset) => *cursor + offset,
        None => node.by_key.binary_search_by(|&i| key_of(i).cmp(key)).ok()?,
    };
    *cursor = at + 1;
    let i = node.by_key[at];
    if fixed {
        node.properties[i as usize]
            .seen
            .store(key.as_ptr() as usize, Ordering::Relaxed);
    }
    Some(i)
}

/// JSON's "number out of range" for integers `serde_json::Value` cannot hold.
fn out_of_range() -> Error {
    Error::custom("number out of range")
}

impl<'a, 'p, 'n> ser::Serializer for Element<'a, 'p, 'n>
where
    'p: 'n,
{
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a, 'p, 'n>;
    type SerializeTuple = Seq<'a, 'p, 'n>;
    type SerializeTupleStruct = Seq<'a, 'p, 'n>;
    type SerializeTupleVariant = Variant<'n, Seq<'a, 'p, 'n>>;
    type SerializeMap = Object<'a, 'p, 'n>;
    type SerializeStruct = Object<'a, 'p, 'n>;
    type SerializeStructVariant = Variant<'n, Object<'a, 'p, 'n>>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.w.text(self.name, if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.w.display(self.name, v);
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        if i64::try_from(v).is_ok() || u64::try_from(v).is_ok() {
            self.w.display(self.name, v);
            Ok(())
        } else {
            Err(out_of_range())
        }
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.w.display(self.name, v);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(v) => self.serialize_u64(v),
            Err(_) => Err(out_of_range()),
        }
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // As `serde_json::Value` holds it: widened to f64.
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        match serde_json::Number::from_f64(v) {
            Some(number) => self.w.display(self.name, number),
            None => self.w.nil(self.name),
        }
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.w.text(self.name, v);
        Ok(())
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        // Dates, UUIDs, decimals: formatted in place, escaped only if they need it.
        let w = self.w;
        w.open(self.name);
        let start = w.buf.len();
        let _ = write!(w.buf, "{value}");
        if w.buf[start..].contains(['<', '>', '&']) {
            let raw = w.buf.split_off(start);
            escape_into(&mut w.buf, &raw);
        }
        w.close(self.name);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // `serde_json::Value` holds bytes as an array of numbers.
        let mut seq = self.seq();
        for byte in v {
            ser::SerializeSeq::serialize_element(&mut seq, byte)?;
        }
        ser::SerializeSeq::end(seq)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.w.nil(self.name);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let (element, node) = self.variant(variant);
        value.serialize(Element {
            w: &mut *self.w,
            name: element,
            node,
            field: true,
        })?;
        self.w.close(self.name);
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a, 'p, 'n>, Error> {
        Ok(self.seq())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Seq<'a, 'p, 'n>, Error> {
        Ok(self.seq())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'p, 'n>, Error> {
        Ok(self.seq())
    }

    fn serialize_tuple_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        let (element, node) = self.variant(variant);
        let outer = self.name;
        let inner = Element {
            w: self.w,
            name: element,
            node,
            field: true,
        };
        Ok(Variant {
            inner: inner.seq(),
            close: outer,
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a, 'p, 'n>, Error> {
        Ok(self.object())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Object<'a, 'p, 'n>, Error> {
        Ok(self.object())
    }

    fn serialize_struct_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        let (element, node) = self.variant(variant);
        let outer = self.name;
        let inner = Element {
            w: self.w,
            name: element,
            node,
            field: true,
        };
        Ok(Variant {
            inner: inner.object(),
            close: outer,
        })
    }
}

/// The items of an array: wrapped in `close` when it is set, else written side by side.
struct Seq<'a, 'p, 'n> {
    w: &'a mut Writer<'p>,
    close: Option<&'n str>,
    item_name: &'n str,
    item_node: NodeId,
}

impl<'a, 'p: 'n, 'n> Seq<'a, 'p, 'n> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Element {
            w: &mut *self.w,
            name: self.item_name,
            node: self.item_node,
            field: false,
        })
    }

    /// Closes the wrapping element, if any; returns the writer.
    fn finish(self) -> &'a mut Writer<'p> {
        if let Some(name) = self.close {
            self.w.close(name);
        }
        self.w
    }

    fn done(self) -> Result<(), Error> {
        self.finish();
        Ok(())
    }
}

impl<'p: 'n, 'n> ser::SerializeSeq for Seq<'_, 'p, 'n> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }

    fn end(self) -> Result<(), Error> {
        self.done()
    }
}

impl<'p: 'n, 'n> ser::SerializeTuple for Seq<'_, 'p, 'n> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }

    fn end(self) -> Result<(), Error> {
        self.done()
    }
}

impl<'p: 'n, 'n> ser::SerializeTupleStruct for Seq<'_, 'p, 'n> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }

    fn end(self) -> Result<(), Error> {
        self.done()
    }
}

/// An object's fields, written as they come and put in the schema's order at the end.
struct Object<'a, 'p, 'n> {
    w: &'a mut Writer<'p>,
    name: &'n str,
    node: NodeId,
    /// The first of this object's marks in `Writer::marks`.
    base: usize,
    last_rank: Option<u32>,
    /// Whether the fields so far came in rank order (then nothing is reordered).
    in_order: bool,
    /// Fields that are not schema properties, so far.
    unknown: u32,
    /// See [`find`].
    cursor: usize,
    /// A map key, between `serialize_key` and `serialize_value`.
    key: String,
}

impl<'a, 'p: 'n, 'n> Object<'a, 'p, 'n> {
    /// Writes field `key`; `fixed` when the key is a `'static` field name.
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        fixed: bool,
        value: &T,
    ) -> Result<(), Error> {
        let plan = self.w.plan;
        let node = plan.node(self.node);
        let known = node.properties.len() as u32;
        let (rank, element, child) = match find(node, key, &mut self.cursor, fixed) {
            Some(i) => {
                let property = &node.properties[i as usize];
                (i, &*property.element, property.node)
            }
            None => {
                let child = node.additional.unwrap_or(EMPTY);
                let element = plan.node(child).own_name.as_deref().unwrap_or(key);
                self.unknown += 1;
                (known + self.unknown - 1, element, child)
            }
        };
        if self.last_rank.is_some_and(|last| rank <= last) {
            self.in_order = false;
        }
        self.last_rank = Some(rank);
        self.w.cut();
        let after = self.w.last;
        self.w.marks.push(Mark { rank, after });
        value.serialize(Element {
            w: &mut *self.w,
            name: element,
            node: child,
            field: true,
        })
    }

    /// Puts the fields in order and closes the element; returns the writer.
    fn finish(self) -> &'a mut Writer<'p> {
        let w = self.w;
        w.cut();
        if !self.in_order {
            let known = w.plan.node(self.node).properties.len();
            w.reorder(self.base, known);
        }
        w.marks.truncate(self.base);
        w.close(self.name);
        w
    }

    fn done(self) -> Result<(), Error> {
        self.finish();
        Ok(())
    }
}

impl<'p: 'n, 'n> ser::SerializeMap for Object<'_, 'p, 'n> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key.clear();
        key.serialize(Key(&mut self.key))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = std::mem::take(&mut self.key);
        let result = self.field(&key, false, value);
        self.key = key;
        result
    }

    fn end(self) -> Result<(), Error> {
        self.done()
    }
}

impl<'p: 'n, 'n> ser::SerializeStruct for Object<'_, 'p, 'n> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, true, value)
    }

    fn end(self) -> Result<(), Error> {
        self.done()
    }
}

/// `{"variant": ...}`: the variant's element (`inner`) inside the enum's own (`close`).
struct Variant<'n, I> {
    inner: I,
    close: &'n str,
}

impl<'p: 'n, 'n> ser::SerializeTupleVariant for Variant<'n, Seq<'_, 'p, 'n>> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.item(value)
    }

    fn end(self) -> Result<(), Error> {
        self.inner.finish().close(self.close);
        Ok(())
    }
}

impl<'p: 'n, 'n> ser::SerializeStructVariant for Variant<'n, Object<'_, 'p, 'n>> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.inner.field(key, true, value)
    }

    fn end(self) -> Result<(), Error> {
        self.inner.finish().close(self.close);
        Ok(())
    }
}

/// A map key, as `serde_json::Value` would hold it (strings, and the scalars JSON writes as
/// strings), appended to a buffer.
struct Key<'k>(&'k mut String);

fn key_must_be_a_string() -> Error {
    Error::custom("key must be a string")
}

impl Key<'_> {
    fn display(self, value: impl Display) -> Result<(), Error> {
        let _ = write!(self.0, "{value}");
        Ok(())
    }

    fn float<F: Serialize>(self, value: F, finite: bool) -> Result<(), Error> {
        if !finite {
            return Err(Error::custom(
                "float key must be finite (got NaN or +/-inf)",
            ));
        }
        // JSON's shortest form of the float, as serde_json writes float keys.
        self.0.push_str(&serde_json::to_string(&value)?);
        Ok(())
    }
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.push_str(v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.0.push(v);
        Ok(())
    }

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.display(v)
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v, v.is_finite())
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v, v.is_finite())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    //! The writer against the one it replaced (`oracle`, which serialised the typed value into
    //! a `serde_json::Value` and walked that): byte for byte, on every XML response of every
    //! API (the specs' examples, typed, and variations of them), on arbitrary JSON values
    //! against every component schema, and on serde shapes the generated types do not use.

    use std::collections::{BTreeMap, HashMap};

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;
    use crate::negotiate::Format;
    use crate::runtime::{ApiSpec, Transcode};

    /// The writer this module replaced, kept as it was.
    mod oracle {
        use serde_json::Value;

        use super::super::{own_xml_name, singular};
        use crate::schema::Schemas;

        /// Writes `value` as an XML document whose root element is the schema's `xml.name` (`fallback`
        /// when it has none).
        pub(super) fn write(
            value: &Value,
            schema: &Value,
            schemas: &Schemas,
            fallback: &str,
        ) -> String {
            let shape = schemas.shape(schema);
            let name = shape.xml_name.unwrap_or(fallback);
            let mut out = String::with_capacity(4096);
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            emit(&mut out, name, value, Some(schema), schemas);
            out
        }

        fn open(out: &mut String, name: &str) {
            out.push('<');
            out.push_str(name);
            out.push('>');
        }

        fn close(out: &mut String, name: &str) {
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }

        /// Writes one element. Responses are written on every request, so this appends to `out`
        /// directly instead of formatting intermediate strings.
        fn emit(
            out: &mut String,
            name: &str,
            value: &Value,
            schema: Option<&Value>,
            schemas: &Schemas,
        ) {
            match value {
                Value::Null => {
                    out.push('<');
                    out.push_str(name);
                    out.push_str(" nil=\"true\"/>");
                }
                Value::Object(map) => {
                    let shape = schema.map(|s| schemas.shape(s)).unwrap_or_default();
                    open(out, name);
                    // Elements in the schema's property order, then any others.
                    let known = |k: &String| shape.properties.is_some_and(|p| p.contains_key(k));
                    let ordered = shape
                        .properties
                        .into_iter()
                        .flat_map(|p| p.keys())
                        .filter(|k| map.contains_key(*k));
                    for key in ordered.chain(map.keys().filter(|k| !known(k))) {
                        let child = &map[key];
                        let property = shape
                            .properties
                            .and_then(|p| p.get(key))
                            .or(shape.additional.filter(|a| a.is_object()));
                        // A property's element is named by its own `xml.name`, else its key (the
                        // `xml.name` of a referenced schema names only a root element or an item).
                        let element = property.and_then(own_xml_name).unwrap_or(key);
                        match child {
                            Value::Array(items) => {
                                let property_shape =
                                    property.map(|p| schemas.shape(p)).unwrap_or_default();
                                if property_shape.xml_wrapped {
                                    emit(out, element, child, property, schemas);
                                } else {
                                    // Unwrapped: one element per item, named after the property.
                                    for item in items {
                                        emit(out, element, item, property_shape.items, schemas);
                                    }
                                }
                            }
                            _ => emit(out, element, child, property, schemas),
                        }
                    }
                    close(out, name);
                }
                Value::Array(items) => {
                    let shape = schema.map(|s| schemas.shape(s)).unwrap_or_default();
                    open(out, name);
                    let item_name = shape
                        .items
                        .and_then(|i| schemas.shape(i).xml_name)
                        .unwrap_or(singular(name));
                    for item in items {
                        emit(out, item_name, item, shape.items, schemas);
                    }
                    close(out, name);
                }
                Value::String(text) => {
                    open(out, name);
                    out.push_str(&quick_xml::escape::partial_escape(text));
                    close(out, name);
                }
                Value::Bool(b) => {
                    open(out, name);
                    out.push_str(if *b { "true" } else { "false" });
                    close(out, name);
                }
                Value::Number(n) => {
                    open(out, name);
                    out.push_str(&n.to_string());
                    close(out, name);
                }
            }
        }
    }

    /// Both writers' output for `value` against `schema` (JSON text): (new, oracle).
    fn both<T: Serialize + ?Sized>(
        value: &T,
        schemas: &Schemas,
        schema: &'static str,
    ) -> (Result<String, String>, Result<String, String>) {
        let parsed = Schemas::parse_schema(schema);
        let plan = Plan::build(schemas, [(schema, &parsed)]);
        let root = plan.root(schema).expect("compiled");
        let new = write(value, &plan, root, "fallback").map_err(|e| e.to_string());
        let old = serde_json::to_value(value)
            .map(|tree| oracle::write(&tree, &parsed, schemas, "fallback"))
            .map_err(|e| e.to_string());
        (new, old)
    }

    #[track_caller]
    fn same<T: Serialize + ?Sized>(value: &T, schemas: &Schemas, schema: &'static str) -> String {
        let (new, old) = both(value, schemas, schema);
        assert_eq!(new, old, "schema {schema}");
        new.unwrap_or_default()
    }

    fn fixture() -> Schemas {
        Schemas::parse(
            &json!({"$defs": {
                "Account": {"type": "object", "xml": {"name": "account"}, "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "active": {"type": "boolean"},
                    "segment-1": {"type": ["string", "null"]},
                    "account-type": {"allOf": [{"$ref": "#/$defs/Type"}]},
                    "roles": {"type": "array", "xml": {"wrapped": true}, "items": {"$ref": "#/$defs/Role"}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "label": {"type": "string", "xml": {"name": "title"}},
                    "extra": {"type": "object", "additionalProperties": {"type": "integer", "xml": {"name": "n"}}}
                }},
                "Type": {"type": "object", "xml": {"name": "account-type"}, "properties": {"id": {"type": "integer"}}},
                "Role": {"type": "object", "xml": {"name": "role"}, "properties": {"name": {"type": "string"}}},
                "Accounts": {"type": "array", "xml": {"name": "accounts", "wrapped": true}, "items": {"$ref": "#/$defs/Account"}},
                "Errors": {"type": "object", "xml": {"name": "errors"}, "properties": {
                    "error": {"type": "array", "xml": {"name": "error"}, "items": {"type": "string", "xml": {"name": "error"}}}
                }},
                "Nested": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}
            }})
            .to_string(),
        )
        .expect("schemas")
    }

    const ACCOUNTS: &str = r##"{"$ref":"#/$defs/Accounts"}"##;
    const ACCOUNT: &str = r##"{"$ref":"#/$defs/Account"}"##;
    const ERRORS: &str = r##"{"$ref":"#/$defs/Errors"}"##;
    const NESTED: &str = r##"{"$ref":"#/$defs/Nested"}"##;

    #[test]
    fn writes_lists_and_unwrapped_arrays() {
        let schemas = fixture();
        let list = json!([{"id": 1, "segment-1": null, "roles": [{"name": "Admin"}]}]);
        assert_eq!(
            same(&list, &schemas, ACCOUNTS),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><accounts><account><id>1</id><segment-1 nil=\"true\"/>\
             <roles><role><name>Admin</name></role></roles></account></accounts>"
        );
        assert_eq!(
            same(&json!({"error": ["a < b", "c"]}), &schemas, ERRORS),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><errors><error>a &lt; b</error><error>c</error></errors>"
        );
    }

    #[test]
    fn escapes_as_quick_xml_does() {
        for text in [
            "",
            "plain",
            "a < b",
            "R&D",
            ">",
            "&&<<>>",
            "é & ü <x/>",
            "&amp;",
        ] {
            let mut out = String::from("x");
            escape_into(&mut out, text);
            assert_eq!(out[1..], quick_xml::escape::partial_escape(text));
        }
    }

    /// Struct fields in an order other than the schema's, unknown fields, renamed elements,
    /// and the serde shapes `serde_json::Value` turns into objects, arrays and nulls.
    #[test]
    fn matches_the_oracle_on_serde_shapes() {
        #[derive(Serialize)]
        struct Account {
            tags: Vec<&'static str>,
            zeta: Option<u8>,
            roles: Option<Vec<Role>>,
            name: String,
            label: &'static str,
            #[serde(rename = "account-type")]
            account_type: Type,
            id: i64,
            extra: BTreeMap<String, i32>,
            alpha: (u8, char),
            #[serde(rename = "segment-1")]
            segment: Option<String>,
        }
        #[derive(Serialize)]
        struct Role {
            name: String,
        }
        #[derive(Serialize)]
        struct Type {
            id: u32,
        }
        #[derive(Serialize)]
        struct Unit;
        #[derive(Serialize)]
        enum Shape {
            Plain,
            Newtype(Vec<u8>),
            Tuple(u8, &'static str),
            Struct { id: i32, name: &'static str },
        }
        #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
        enum KeyKind {
            Red,
        }

        let schemas = fixture();
        let account = Account {
            tags: vec!["x", "y & z"],
            zeta: None,
            roles: Some(vec![
                Role {
                    name: "Admin".into(),
                },
                Role {
                    name: "<Buyer>".into(),
                },
            ]),
            name: "Travel".into(),
            label: "Label",
            account_type: Type { id: 3 },
            id: -12,
            extra: BTreeMap::from([("b".into(), 2), ("a".into(), 1)]),
            alpha: (7, '&'),
            segment: None,
        };
        same(&account, &schemas, ACCOUNT);
        same(&[&account, &account], &schemas, ACCOUNTS);
        same(&vec![vec![1, 2], vec![], vec![3]], &schemas, NESTED);
        for shape in [
            Shape::Plain,
            Shape::Newtype(vec![1, 2]),
            Shape::Tuple(1, "a"),
            Shape::Struct { id: 1, name: "n" },
        ] {
            same(&shape, &schemas, ACCOUNT);
            same(&vec![shape], &schemas, ACCOUNTS);
        }
        same(&Unit, &schemas, ACCOUNT);
        same(&(), &schemas, ACCOUNT);
        same(&Some(Some(1.5f64)), &schemas, ACCOUNT);
        for float in [0.1f64, 1.0, -0.0, 1e300, 5e-324, f64::NAN, f64::INFINITY] {
            same(&float, &schemas, ACCOUNT);
            same(&json!({"id": float, "name": [float]}), &schemas, ACCOUNT);
        }
        for float in [0.1f32, 3.0, f32::NAN, f32::MAX] {
            same(&vec![float], &schemas, ACCOUNTS);
        }
        same(&serde_bytes_like(), &schemas, ACCOUNT);
        same(
            &(i128::from(i64::MIN), u128::from(u64::MAX)),
            &schemas,
            NESTED,
        );
        same(&i128::MAX, &schemas, ACCOUNT);
        same(&u128::MAX, &schemas, ACCOUNT);
        same(&'<', &schemas, ACCOUNT);
        // Map keys: what JSON accepts as a key, and what it does not.
        same(&HashMap::from([(1u8, "one")]), &schemas, ACCOUNT);
        same(&BTreeMap::from([(true, 1), (false, 0)]), &schemas, ACCOUNT);
        same(&BTreeMap::from([('c', 1)]), &schemas, ACCOUNT);
        same(&BTreeMap::from([(KeyKind::Red, 1)]), &schemas, ACCOUNT);
        same(&BTreeMap::from([(-5i128, 1)]), &schemas, ACCOUNT);
        same(&BTreeMap::from([(Some(1), 1)]), &schemas, ACCOUNT);
        same(&BTreeMap::from([((1, 2), 1)]), &schemas, ACCOUNT);
        same(&FloatKeys(vec![0.1, 2.0, 1e21]), &schemas, ACCOUNT);
        same(&FloatKeys(vec![f64::NAN]), &schemas, ACCOUNT);
        // A repeated key: a JSON object keeps the first place and the last value.
        same(
            &Entries(vec![
                ("id", json!(1)),
                ("zz", json!(2)),
                ("name", json!("n")),
                ("id", json!(3)),
            ]),
            &schemas,
            ACCOUNT,
        );
        // Dates and UUIDs go through `collect_str`.
        let when = chrono::DateTime::parse_from_rfc3339("2026-11-27T14:00:00.123+01:00")
            .expect("date")
            .with_timezone(&chrono::Utc);
        same(
            &json!({"name": when, "id": uuid::Uuid::nil()}),
            &schemas,
            ACCOUNT,
        );
        same(&(when, when.date_naive(), Escaped), &schemas, NESTED);
    }

    /// A byte string, serialised with `serialize_bytes`.
    fn serde_bytes_like() -> impl Serialize {
        struct Bytes;
        impl Serialize for Bytes {
            fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(b"ab")
            }
        }
        Bytes
    }

    /// A map with float keys.
    struct FloatKeys(Vec<f64>);

    impl Serialize for FloatKeys {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.iter().map(|k| (k, 1)))
        }
    }

    /// A map written entry by entry, repeats included.
    struct Entries(Vec<(&'static str, Value)>);

    impl Serialize for Entries {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap as _;
            let mut map = serializer.serialize_map(None)?;
            for (key, value) in &self.0 {
                map.serialize_key(key)?;
                map.serialize_value(value)?;
            }
            map.end()
        }
    }

    /// Text that needs escaping, through `collect_str`.
    struct Escaped;

    impl Serialize for Escaped {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(&format_args!("{}<{}>&", 1, 2))
        }
    }

    // --- Every XML response of every API -----------------------------------------------------

    fn apis() -> [&'static ApiSpec; 5] {
        [
            &crate::coupa_accounts::API,
            &crate::coupa_delegations::API,
            &crate::coupa_integration_history_records::API,
            &crate::cso_events::API,
            &crate::concur_expense_allocations::API,
        ]
    }

    /// The bundled spec of `api`.
    fn spec(api: &str) -> Value {
        let path = spendapi_spec::workspace_root()
            .join("openapi")
            .join(format!("{api}.yaml"));
        spendapi_spec::bundle(&path).expect("bundle")
    }

    fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
        spendapi_spec::resolve(doc, value).expect("resolve")
    }

    /// Every example of a media type object.
    fn examples<'a>(doc: &'a Value, media: &'a Value) -> Vec<&'a Value> {
        let mut out: Vec<&Value> = media.get("example").into_iter().collect();
        for example in media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|e| e.values())
        {
            out.extend(resolve(doc, example).get("value"));
        }
        out
    }

    /// Compares the writers on `value` typed as the Rust type of the response schema named
    /// `name`; `None` when there is no such type or the value does not fit it.
    fn typed(name: &str, value: &Value, schemas: &Schemas, schema: &'static str) -> Option<()> {
        use spendapi_types::coupa_accounts as accounts;
        use spendapi_types::coupa_common as common;
        use spendapi_types::coupa_delegations as delegations;
        use spendapi_types::coupa_integration_history_records as ihr;

        fn check<T: Serialize + DeserializeOwned>(
            value: &Value,
            schemas: &Schemas,
            schema: &'static str,
        ) -> Option<()> {
            let typed: T = serde_json::from_value(value.clone()).ok()?;
            same(&typed, schemas, schema);
            Some(())
        }
        match name {
            "Account" => check::<accounts::Account>(value, schemas, schema),
            "AccountList" => check::<accounts::AccountList>(value, schemas, schema),
            "DelegationList" => check::<delegations::DelegationList>(value, schemas, schema),
            "IntegrationHistoryRecord" => {
                check::<ihr::IntegrationHistoryRecord>(value, schemas, schema)
            }
            "IntegrationHistoryRecordList" => {
                check::<ihr::IntegrationHistoryRecordList>(value, schemas, schema)
            }
            "CoupaXmlErrors" => {
                // The runtime transcodes the JSON errors the implementation returns.
                let errors: common::CoupaJsonErrors =
                    serde_json::from_value(value.clone()).ok().or_else(|| {
                        Some(common::CoupaJsonErrors {
                            errors: HashMap::from([("account".into(), vec!["a < b".into()])]),
                        })
                    })?;
                same(&errors.transcode(), schemas, schema);
                check::<common::CoupaXmlErrors>(value, schemas, schema)
            }
            _ => None,
        }
    }

    /// Variations of an example: each property null, then absent; strings that need escaping;
    /// rich free-form objects; empty and repeated arrays; keys in reverse order and unknown keys.
    fn variations(example: &Value) -> Vec<Value> {
        fn paths(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        at.push(k.clone());
                        out.push(at.clone());
                        paths(v, at, out);
                        at.pop();
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        at.push(i.to_string());
                        paths(v, at, out);
                        at.pop();
                    }
                }
                _ => {}
            }
        }
        fn at<'v>(value: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
            path.iter().try_fold(value, |v, step| match v {
                Value::Object(map) => map.get_mut(step),
                Value::Array(items) => items.get_mut(step.parse::<usize>().ok()?),
                _ => None,
            })
        }
        let rich = json!({
            "z-last": 1, "cost-center": {"code": "R&D <1>", "parent": null},
            "tags": ["a", 2, true, null, {"k": []}, [1, [2]]], "ratio": 0.5, "big": 1e300,
            "neg": -3, "empty": {}, "when": "2026-11-27T14:00:00Z", "amount": "1234.50"
        });
        let mut all = Vec::new();
        paths(example, &mut Vec::new(), &mut all);
        let mut out = Vec::new();
        for path in &all {
            let (parent, last) = path.split_at(path.len() - 1);
            let mut nulled = example.clone();
            if let Some(v) = at(&mut nulled, path) {
                let original = v.clone();
                *v = Value::Null;
                out.push(nulled.clone());
                let mut changed = nulled;
                if let Some(v) = at(&mut changed, path) {
                    *v = match original {
                        Value::String(s) => Value::String(format!("{s} <&> \u{e9}")),
                        Value::Object(_) => rich.clone(),
                        Value::Array(items) if !items.is_empty() => {
                            Value::Array(items.iter().chain(&items).cloned().collect())
                        }
                        Value::Array(_) => json!([rich.clone(), "x"]),
                        Value::Null => rich.clone(),
                        other => other,
                    };
                    out.push(changed);
                }
            }
            let mut removed = example.clone();
            if let Some(Value::Object(map)) = at(&mut removed, parent) {
                map.shift_remove(&last[0]);
                out.push(removed);
            }
            let mut emptied = example.clone();
            if let Some(v @ Value::Array(_)) = at(&mut emptied, path) {
                *v = json!([]);
                out.push(emptied);
            }
        }
        fn shuffle(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    let mut entries: Vec<(String, Value)> =
                        std::mem::take(map).into_iter().collect();
                    entries.reverse();
                    map.insert("aa-unknown".into(), json!({"x": [1, null]}));
                    for (k, mut v) in entries {
                        shuffle(&mut v);
                        map.insert(k, v);
                    }
                    map.insert("zz-unknown".into(), json!("<z>"));
                }
                Value::Array(items) => items.iter_mut().for_each(shuffle),
                _ => {}
            }
        }
        let mut shuffled = example.clone();
        shuffle(&mut shuffled);
        out.push(shuffled);
        out
    }

    /// Every XML response schema of every operation, with every JSON example of the response
    /// (and of its XML example, read back), typed as the stubs would hold it and then varied:
    /// the writers agree on each, typed and as a plain JSON value.
    #[test]
    fn matches_the_oracle_on_every_xml_response() {
        let mut typed_cases = 0;
        let mut value_cases = 0;
        let mut schemas_seen = Vec::new();
        for api in apis() {
            let doc = spec(api.name);
            let schemas = Schemas::parse(api.schemas).expect("schemas");
            for op in api.operations {
                let responses = resolve(
                    &doc,
                    &doc["paths"][op.path][op.method.to_lowercase()]["responses"],
                );
                for response in op.responses {
                    for media in response
                        .media
                        .iter()
                        .filter(|m| Format::of(m.media_type) == Format::Xml)
                    {
                        let name = Schemas::ref_name(&Schemas::parse_schema(media.schema))
                            .unwrap_or_default()
                            .to_owned();
                        schemas_seen.push(name.clone());
                        let documented = resolve(&doc, &responses[response.status]);
                        let mut values: Vec<Value> = Vec::new();
                        for (media_type, object) in
                            documented["content"].as_object().into_iter().flatten()
                        {
                            for example in examples(&doc, object) {
                                match example {
                                    Value::String(text)
                                        if Format::of(media_type) == Format::Xml =>
                                    {
                                        let schema = Schemas::parse_schema(media.schema);
                                        values
                                            .extend(crate::xml::read(text, &schema, &schemas).ok());
                                    }
                                    other => values.push(other.clone()),
                                }
                            }
                        }
                        if values.is_empty() {
                            values.push(json!({}));
                        }
                        for value in &values {
                            assert!(
                                typed(&name, value, &schemas, media.schema).is_some()
                                    || name == "CoupaXmlErrors",
                                "{}: {} {}: an example does not fit {name}",
                                api.name,
                                op.id,
                                response.status
                            );
                            for variant in std::iter::once(value.clone()).chain(variations(value)) {
                                typed_cases += usize::from(
                                    typed(&name, &variant, &schemas, media.schema).is_some(),
                                );
                                same(&variant, &schemas, media.schema);
                                value_cases += 1;
                            }
                        }
                    }
                }
            }
        }
        schemas_seen.sort();
        schemas_seen.dedup();
        // A new XML response schema needs its Rust type in `typed`.
        for name in &schemas_seen {
            assert!(
                typed(name, &json!({}), &fixture(), ACCOUNT).is_some()
                    || typed(name, &json!([]), &fixture(), ACCOUNT).is_some(),
                "no type for {name}"
            );
        }
        assert_eq!(
            schemas_seen,
            [
                "Account",
                "AccountList",
                "CoupaXmlErrors",
                "DelegationList",
                "IntegrationHistoryRecord",
                "IntegrationHistoryRecordList"
            ]
        );
        assert!(typed_cases > 1000, "{typed_cases} typed cases");
        assert!(value_cases > 1000, "{value_cases} value cases");
    }

    /// A small deterministic generator (xorshift), for arbitrary JSON values.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }

        /// A value whose objects mostly use `keys` (the API's property names).
        fn value(&mut self, keys: &[&str], depth: usize) -> Value {
            const TEXT: &[&str] = &["", "a", "R&D", "<x>", "2026-11-27T14:00:00Z", "12.50", "é"];
            const NUMBERS: &[f64] = &[0.0, 0.1, -2.5, 1e21, 123456789.0, 5e-324];
            match self.below(if depth == 0 { 5 } else { 9 }) {
                0 => Value::Null,
                1 => Value::Bool(self.below(2) == 1),
                2 => json!(self.below(1000) as i64 - 500),
                3 => json!(self.pick(NUMBERS)),
                4 => json!(self.pick(TEXT)),
                5..=7 => {
                    let mut map = serde_json::Map::new();
                    for _ in 0..self.below(7) {
                        let key = match self.below(5) {
                            0 => format!("unknown-{}", self.below(3)),
                            _ => (*self.pick(keys)).to_owned(),
                        };
                        map.insert(key, self.value(keys, depth - 1));
                    }
                    Value::Object(map)
                }
                _ => Value::Array(
                    (0..self.below(4))
                        .map(|_| self.value(keys, depth - 1))
                        .collect(),
                ),
            }
        }
    }

    /// Arbitrary JSON values (objects keyed mostly by the API's property names, in any order,
    /// nested arrays, nulls, floats, text to escape) against every component schema of every
    /// API: the writers agree on each.
    #[test]
    fn matches_the_oracle_on_arbitrary_values() {
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        let mut cases = 0;
        for api in apis() {
            let defs: Value = serde_json::from_str(api.schemas).expect("schemas");
            let schemas = Schemas::parse(api.schemas).expect("schemas");
            let defs = defs["$defs"].as_object().expect("$defs");
            let mut keys: Vec<&str> = Vec::new();
            for def in defs.values() {
                if let Some(shape) = schemas.shape(def).properties {
                    keys.extend(shape.keys().map(String::as_str));
                }
            }
            keys.sort_unstable();
            keys.dedup();
            for name in defs.keys() {
                let schema: &'static str =
                    Box::leak(format!(r##"{{"$ref":"#/$defs/{name}"}}"##).into_boxed_str());
                for _ in 0..100 {
                    let value = rng.value(&keys, 4);
                    let (new, old) = both(&value, &schemas, schema);
                    assert!(old.is_ok(), "{value}");
                    assert_eq!(new, old, "{}: {name}: {value}", api.name);
                    cases += 1;
                }
            }
        }
        assert!(cases > 5000, "{cases} cases");
    }

    /// The runtime writes XML replies with this writer: the bench's delegation list (five
    /// copies of the spec's example), and a JSON error the implementation returns, come out
    /// of the router exactly as the oracle writes them.
    #[tokio::test]
    async fn the_router_answers_xml_as_the_oracle_writes_it() {
        use axum::body::Body;
        use axum::http::Request;
        use http_body_util::BodyExt as _;
        use spendapi_types::coupa_common::CoupaJsonErrors;
        use spendapi_types::coupa_delegations::DelegationList;
        use tower::ServiceExt as _;

        use crate::coupa_delegations::{
            self, CoupaDelegations, ListDelegationsQuery, ListDelegationsResponse,
        };
        use crate::{AuthError, Caller, Scheme, Verifier};

        #[derive(Clone)]
        struct Stub(Option<DelegationList>);

        impl Verifier for Stub {
            async fn verify(&self, _scheme: &Scheme, _token: &str) -> Result<Caller, AuthError> {
                Ok(Caller::new("test", ["core.user.read"]))
            }
        }

        impl CoupaDelegations for Stub {
            async fn list_delegations(
                &self,
                _caller: Caller,
                _query: ListDelegationsQuery,
            ) -> ListDelegationsResponse {
                match &self.0 {
                    Some(list) => ListDelegationsResponse::Ok(list.clone()),
                    None => ListDelegationsResponse::BadRequest(CoupaJsonErrors {
                        errors: HashMap::from([(
                            "delegation".to_owned(),
                            vec!["limit < 1 & > 50".to_owned()],
                        )]),
                    }),
                }
            }
        }

        let doc = spec("coupa-delegations");
        let first = doc
            .pointer("/components/examples/DelegationListSeed003Json/value/0")
            .expect("the bench's example");
        let list: Vec<Value> = (1..=5)
            .map(|id| {
                let mut delegation = first.clone();
                delegation["id"] = id.into();
                delegation
            })
            .collect();
        let list: DelegationList = serde_json::from_value(Value::Array(list)).expect("typed");
        let schemas = Schemas::parse(coupa_delegations::API.schemas).expect("schemas");

        let answer = |stub: Stub| async move {
            let request = Request::get("/api/delegations?limit=50")
                .header("authorization", "Bearer t")
                .header("accept", "application/xml")
                .body(Body::empty())
                .expect("request");
            let response = coupa_delegations::router(stub)
                .oneshot(request)
                .await
                .expect("answer");
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (status, String::from_utf8(body.to_vec()).expect("UTF-8"))
        };

        let (status, body) = answer(Stub(Some(list.clone()))).await;
        assert_eq!(status, 200);
        let schema = Schemas::parse_schema(r##"{"$ref":"#/$defs/DelegationList"}"##);
        let expected = oracle::write(
            &serde_json::to_value(&list).expect("value"),
            &schema,
            &schemas,
            "delegation",
        );
        assert_eq!(body, expected);
        assert!(body.len() > 40_000, "{} bytes", body.len());

        let (status, body) = answer(Stub(None)).await;
        assert_eq!(status, 400);
        let schema = Schemas::parse_schema(r##"{"$ref":"#/$defs/CoupaXmlErrors"}"##);
        let errors = CoupaJsonErrors {
            errors: HashMap::from([("delegation".to_owned(), vec!["limit < 1 & > 50".to_owned()])]),
        };
        let expected = oracle::write(
            &serde_json::to_value(errors.transcode()).expect("value"),
            &schema,
            &schemas,
            "delegation",
        );
        assert_eq!(body, expected);
    }
}
