//! Geometry values: MySQL's internal format, WKB, WKT and the planar measures.
//!
//! A geometry column holds what MySQL stores: a 4-byte little-endian SRID followed by the
//! value's WKB (little-endian). This module reads and writes that format, WKB of either
//! byte order, and WKT as MySQL 8.0 reads and prints it (`POINT(1 2)`,
//! `MULTIPOINT((1 2),(3 4))`, `GEOMETRYCOLLECTION EMPTY`), and computes the planar (SRID 0)
//! measures the spatial functions need: length, area, distance, point-in-polygon,
//! bounding boxes.
//!
//! Written by hand: the georust `wkt`/`wkb` crates bring `geo-types` and `num-traits` in
//! and print WKT in their own style, while MySQL's spelling, its leniency (either form of
//! MULTIPOINT, case, spaces) and its validity rules (closed rings, two-point lines) are
//! what has to match here; the formats themselves are small.

use super::ValueError;

/// The SRIDs a column's `SRID n` may name: 0 (the Cartesian plane, what every function
/// here computes in) and the two spatial reference systems applications use most
/// (WGS 84, 4326, and Web Mercator, 3857). MySQL 8.0 knows about 5000 from its catalog;
/// another number is 3548, as MySQL answers for a system it does not have.
pub const KNOWN_SRIDS: [u32; 3] = [0, 3857, 4326];

/// True for a geographic SRID (4326): its axis order is latitude, longitude, so WKT and
/// WKB given or shown for it have the coordinates the other way round from the stored
/// value (x is the longitude), as in MySQL 8.0.
pub fn is_geographic(srid: u32) -> bool {
    srid == 4326
}

impl Geom {
    /// Exchanges x and y in every point (between SRS axis order and storage order).
    pub fn swap_axes(&mut self) {
        fn pts(ps: &mut [Pt]) {
            ps.iter_mut()
                .for_each(|p| std::mem::swap(&mut p.x, &mut p.y));
        }
        match self {
            Geom::Point(p) => std::mem::swap(&mut p.x, &mut p.y),
            Geom::LineString(l) | Geom::MultiPoint(l) => pts(l),
            Geom::Polygon(rs) | Geom::MultiLineString(rs) => rs.iter_mut().for_each(|r| pts(r)),
            Geom::MultiPolygon(ps) => ps.iter_mut().flatten().for_each(|r| pts(r)),
            Geom::Collection(gs) => gs.iter_mut().for_each(Geom::swap_axes),
        }
    }
}

/// The geometry subtype a column is declared with (`GEOMETRY` takes any).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeomKind {
    Geometry = 0,
    Point = 1,
    LineString = 2,
    Polygon = 3,
    MultiPoint = 4,
    MultiLineString = 5,
    MultiPolygon = 6,
    GeometryCollection = 7,
}

impl GeomKind {
    /// From the WKB type code (0 is GEOMETRY, the column type that takes any).
    pub fn from_code(c: u32) -> Option<GeomKind> {
        use GeomKind::*;
        Some(match c {
            0 => Geometry,
            1 => Point,
            2 => LineString,
            3 => Polygon,
            4 => MultiPoint,
            5 => MultiLineString,
            6 => MultiPolygon,
            7 => GeometryCollection,
            _ => return None,
        })
    }

    /// The column type's name as SHOW CREATE TABLE and information_schema print it.
    pub fn type_name(self) -> &'static str {
        use GeomKind::*;
        match self {
            Geometry => "geometry",
            Point => "point",
            LineString => "linestring",
            Polygon => "polygon",
            MultiPoint => "multipoint",
            MultiLineString => "multilinestring",
            MultiPolygon => "multipolygon",
            // MySQL 8.0 prints GEOMETRYCOLLECTION columns as `geomcollection`.
            GeometryCollection => "geomcollection",
        }
    }

    /// From a column type name (`GEOMCOLLECTION` is MySQL 8.0's spelling).
    pub fn from_type_name(s: &str) -> Option<GeomKind> {
        use GeomKind::*;
        Some(match s.to_ascii_uppercase().as_str() {
            "GEOMETRY" => Geometry,
            "POINT" => Point,
            "LINESTRING" => LineString,
            "POLYGON" => Polygon,
            "MULTIPOINT" => MultiPoint,
            "MULTILINESTRING" => MultiLineString,
            "MULTIPOLYGON" => MultiPolygon,
            "GEOMETRYCOLLECTION" | "GEOMCOLLECTION" => GeometryCollection,
            _ => return None,
        })
    }
}

/// A point of the plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

/// A geometry value (without its SRID).
#[derive(Clone, Debug, PartialEq)]
pub enum Geom {
    Point(Pt),
    LineString(Vec<Pt>),
    /// Rings: the exterior first, then the holes.
    Polygon(Vec<Vec<Pt>>),
    MultiPoint(Vec<Pt>),
    MultiLineString(Vec<Vec<Pt>>),
    MultiPolygon(Vec<Vec<Vec<Pt>>>),
    Collection(Vec<Geom>),
}

impl Geom {
    pub fn kind(&self) -> GeomKind {
        match self {
            Geom::Point(_) => GeomKind::Point,
            Geom::LineString(_) => GeomKind::LineString,
            Geom::Polygon(_) => GeomKind::Polygon,
            Geom::MultiPoint(_) => GeomKind::MultiPoint,
            Geom::MultiLineString(_) => GeomKind::MultiLineString,
            Geom::MultiPolygon(_) => GeomKind::MultiPolygon,
            Geom::Collection(_) => GeomKind::GeometryCollection,
        }
    }

    /// ST_GeometryType's answer (MySQL 8.0 spells the collection `GEOMCOLLECTION`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Geom::Point(_) => "POINT",
            Geom::LineString(_) => "LINESTRING",
            Geom::Polygon(_) => "POLYGON",
            Geom::MultiPoint(_) => "MULTIPOINT",
            Geom::MultiLineString(_) => "MULTILINESTRING",
            Geom::MultiPolygon(_) => "MULTIPOLYGON",
            Geom::Collection(_) => "GEOMCOLLECTION",
        }
    }

    /// True for an empty collection (the only empty geometry MySQL 8.0 has).
    pub fn is_empty(&self) -> bool {
        match self {
            Geom::Collection(g) => g.iter().all(Geom::is_empty),
            _ => false,
        }
    }

    /// Every vertex, in order.
    pub fn points(&self, out: &mut Vec<Pt>) {
        match self {
            Geom::Point(p) => out.push(*p),
            Geom::LineString(l) | Geom::MultiPoint(l) => out.extend_from_slice(l),
            Geom::Polygon(rs) | Geom::MultiLineString(rs) => {
                rs.iter().for_each(|r| out.extend_from_slice(r))
            }
            Geom::MultiPolygon(ps) => ps.iter().flatten().for_each(|r| out.extend_from_slice(r)),
            Geom::Collection(gs) => gs.iter().for_each(|g| g.points(out)),
        }
    }

    /// The bounding box `(min, max)`; `None` for an empty geometry.
    pub fn mbr(&self) -> Option<(Pt, Pt)> {
        let mut ps = Vec::new();
        self.points(&mut ps);
        let first = *ps.first()?;
        Some(ps.iter().fold((first, first), |(lo, hi), p| {
            (
                Pt {
                    x: lo.x.min(p.x),
                    y: lo.y.min(p.y),
                },
                Pt {
                    x: hi.x.max(p.x),
                    y: hi.y.max(p.y),
                },
            )
        }))
    }
}

// ---- the internal format and WKB ----

/// A value in MySQL's internal format: SRID then WKB.
pub fn encode(srid: u32, g: &Geom) -> Vec<u8> {
    let mut out = srid.to_le_bytes().to_vec();
    put_wkb(&mut out, g);
    out
}

/// Reads MySQL's internal format; `None` when the bytes are not a whole geometry.
pub fn decode(b: &[u8]) -> Option<(u32, Geom)> {
    let srid = u32::from_le_bytes(b.get(..4)?.try_into().ok()?);
    Some((srid, parse_wkb(&b[4..])?))
}

/// WKB, little-endian.
pub fn to_wkb(g: &Geom) -> Vec<u8> {
    let mut out = Vec::new();
    put_wkb(&mut out, g);
    out
}

fn put_wkb(out: &mut Vec<u8>, g: &Geom) {
    let head = |out: &mut Vec<u8>, code: u32| {
        out.push(1);
        out.extend_from_slice(&code.to_le_bytes());
    };
    let n = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
    let pt = |out: &mut Vec<u8>, p: &Pt| {
        out.extend_from_slice(&p.x.to_le_bytes());
        out.extend_from_slice(&p.y.to_le_bytes());
    };
    let pts = |out: &mut Vec<u8>, ps: &[Pt]| {
        n(out, ps.len());
        ps.iter().for_each(|p| pt(out, p));
    };
    let rings = |out: &mut Vec<u8>, rs: &[Vec<Pt>]| {
        n(out, rs.len());
        rs.iter().for_each(|r| pts(out, r));
    };
    match g {
        Geom::Point(p) => {
            head(out, 1);
            pt(out, p);
        }
        Geom::LineString(l) => {
            head(out, 2);
            pts(out, l);
        }
        Geom::Polygon(rs) => {
            head(out, 3);
            rings(out, rs);
        }
        Geom::MultiPoint(ps) => {
            head(out, 4);
            n(out, ps.len());
            for p in ps {
                head(out, 1);
                pt(out, p);
            }
        }
        Geom::MultiLineString(ls) => {
            head(out, 5);
            n(out, ls.len());
            for l in ls {
                head(out, 2);
                pts(out, l);
            }
        }
        Geom::MultiPolygon(ps) => {
            head(out, 6);
            n(out, ps.len());
            for p in ps {
                head(out, 3);
                rings(out, p);
            }
        }
        Geom::Collection(gs) => {
            head(out, 7);
            n(out, gs.len());
            gs.iter().for_each(|g| put_wkb(out, g));
        }
    }
}

struct Wkb<'a> {
    b: &'a [u8],
    pos: usize,
    depth: u32,
}

impl Wkb<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.b.get(self.pos..self.pos.checked_add(N)?)?;
        self.pos += N;
        s.try_into().ok()
    }
    fn u32(&mut self, le: bool) -> Option<u32> {
        let a = self.take::<4>()?;
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }
    fn f64(&mut self, le: bool) -> Option<f64> {
        let a = self.take::<8>()?;
        let v = if le {
            f64::from_le_bytes(a)
        } else {
            f64::from_be_bytes(a)
        };
        v.is_finite().then_some(v)
    }
    /// A count of items each at least `min` bytes long, checked against what is left
    /// before anything is reserved.
    fn count(&mut self, le: bool, min: usize) -> Option<usize> {
        let n = self.u32(le)? as usize;
        (n.checked_mul(min)? <= self.b.len() - self.pos).then_some(n)
    }
    fn pt(&mut self, le: bool) -> Option<Pt> {
        Some(Pt {
            x: self.f64(le)?,
            y: self.f64(le)?,
        })
    }
    fn pts(&mut self, le: bool) -> Option<Vec<Pt>> {
        let n = self.count(le, 16)?;
        (0..n).map(|_| self.pt(le)).collect()
    }
    fn head(&mut self) -> Option<(bool, u32)> {
        let le = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            _ => return None,
        };
        Some((le, self.u32(le)?))
    }
    fn typed(&mut self, want: u32) -> Option<bool> {
        let (le, code) = self.head()?;
        (code == want).then_some(le)
    }
    fn geom(&mut self) -> Option<Geom> {
        self.depth += 1;
        if self.depth > 32 {
            return None;
        }
        let (le, code) = self.head()?;
        let g = match code {
            1 => Geom::Point(self.pt(le)?),
            2 => Geom::LineString(self.pts(le)?),
            3 => {
                let n = self.count(le, 4)?;
                Geom::Polygon((0..n).map(|_| self.pts(le)).collect::<Option<_>>()?)
            }
            4 => {
                let n = self.count(le, 21)?;
                let ps = (0..n)
                    .map(|_| {
                        let le = self.typed(1)?;
                        self.pt(le)
                    })
                    .collect::<Option<_>>()?;
                Geom::MultiPoint(ps)
            }
            5 => {
                let n = self.count(le, 9)?;
                let ls = (0..n)
                    .map(|_| {
                        let le = self.typed(2)?;
                        self.pts(le)
                    })
                    .collect::<Option<_>>()?;
                Geom::MultiLineString(ls)
            }
            6 => {
                let n = self.count(le, 9)?;
                let ps = (0..n)
                    .map(|_| {
                        let le = self.typed(3)?;
                        let k = self.count(le, 4)?;
                        (0..k).map(|_| self.pts(le)).collect::<Option<Vec<_>>>()
                    })
                    .collect::<Option<_>>()?;
                Geom::MultiPolygon(ps)
            }
            7 => {
                let n = self.count(le, 5)?;
                Geom::Collection((0..n).map(|_| self.geom()).collect::<Option<_>>()?)
            }
            _ => return None,
        };
        self.depth -= 1;
        Some(g)
    }
}

/// Reads WKB of either byte order; `None` unless the bytes are exactly one valid geometry.
pub fn parse_wkb(b: &[u8]) -> Option<Geom> {
    let mut r = Wkb {
        b,
        pos: 0,
        depth: 0,
    };
    let g = r.geom()?;
    (r.pos == b.len() && valid(&g)).then_some(g)
}

/// MySQL 8.0's structural rules: a line has two points or more, a ring four or more and
/// closed, a polygon at least its exterior ring, a multi-geometry at least one member.
fn valid(g: &Geom) -> bool {
    let line = |l: &[Pt]| l.len() >= 2;
    let ring = |r: &[Pt]| r.len() >= 4 && r.first() == r.last();
    let poly = |p: &[Vec<Pt>]| !p.is_empty() && p.iter().all(|r| ring(r));
    match g {
        Geom::Point(_) => true,
        Geom::LineString(l) => line(l),
        Geom::Polygon(p) => poly(p),
        Geom::MultiPoint(ps) => !ps.is_empty(),
        Geom::MultiLineString(ls) => !ls.is_empty() && ls.iter().all(|l| line(l)),
        Geom::MultiPolygon(ps) => !ps.is_empty() && ps.iter().all(|p| poly(p)),
        Geom::Collection(gs) => gs.iter().all(valid),
    }
}

// ---- WKT ----

/// WKT as MySQL 8.0 prints it.
pub fn to_wkt(g: &Geom) -> String {
    let mut s = String::new();
    put_wkt(&mut s, g, true);
    s
}

/// A coordinate as MySQL prints it in WKT (shortest round-trip digits).
pub fn format_num(v: f64) -> String {
    super::format_f64(v)
}

fn put_pts(s: &mut String, ps: &[Pt]) {
    s.push('(');
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format_num(p.x));
        s.push(' ');
        s.push_str(&format_num(p.y));
    }
    s.push(')');
}

fn put_rings(s: &mut String, rs: &[Vec<Pt>]) {
    s.push('(');
    for (i, r) in rs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        put_pts(s, r);
    }
    s.push(')');
}

fn put_wkt(s: &mut String, g: &Geom, named: bool) {
    if named {
        s.push_str(match g {
            Geom::Collection(_) => "GEOMETRYCOLLECTION",
            g => g.type_name(),
        });
    }
    match g {
        Geom::Point(p) => put_pts(s, std::slice::from_ref(p)),
        Geom::LineString(l) => put_pts(s, l),
        Geom::Polygon(rs) => put_rings(s, rs),
        Geom::MultiPoint(ps) => {
            s.push('(');
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                put_pts(s, std::slice::from_ref(p));
            }
            s.push(')');
        }
        Geom::MultiLineString(ls) => put_rings(s, ls),
        Geom::MultiPolygon(ps) => {
            s.push('(');
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                put_rings(s, p);
            }
            s.push(')');
        }
        Geom::Collection(gs) if gs.is_empty() => s.push_str(" EMPTY"),
        Geom::Collection(gs) => {
            s.push('(');
            for (i, g) in gs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                put_wkt(s, g, true);
            }
            s.push(')');
        }
    }
}

struct Wkt<'a> {
    s: &'a [u8],
    pos: usize,
    depth: u32,
}

impl Wkt<'_> {
    fn ws(&mut self) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn word(&mut self) -> String {
        self.ws();
        let start = self.pos;
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphabetic())
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.pos]).to_ascii_uppercase()
    }
    fn num(&mut self) -> Option<f64> {
        self.ws();
        let start = self.pos;
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'e' | b'E'))
        {
            self.pos += 1;
        }
        let t = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
        t.parse::<f64>().ok().filter(|v| v.is_finite())
    }
    fn pt(&mut self) -> Option<Pt> {
        Some(Pt {
            x: self.num()?,
            y: self.num()?,
        })
    }
    /// `(x y, x y, ...)`
    fn pts(&mut self) -> Option<Vec<Pt>> {
        if !self.eat(b'(') {
            return None;
        }
        let mut v = vec![self.pt()?];
        while self.eat(b',') {
            v.push(self.pt()?);
        }
        self.eat(b')').then_some(v)
    }
    /// `(list, list, ...)` of what `f` reads.
    fn list<T>(&mut self, f: impl Fn(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        if !self.eat(b'(') {
            return None;
        }
        let mut v = vec![f(self)?];
        while self.eat(b',') {
            v.push(f(self)?);
        }
        self.eat(b')').then_some(v)
    }
    fn geom(&mut self) -> Option<Geom> {
        self.depth += 1;
        if self.depth > 32 {
            return None;
        }
        let g = match self.word().as_str() {
            "POINT" => {
                if !self.eat(b'(') {
                    return None;
                }
                let p = self.pt()?;
                if !self.eat(b')') {
                    return None;
                }
                Geom::Point(p)
            }
            "LINESTRING" => Geom::LineString(self.pts()?),
            "POLYGON" => Geom::Polygon(self.list(Self::pts)?),
            // Both `MULTIPOINT(1 2,3 4)` and `MULTIPOINT((1 2),(3 4))`.
            "MULTIPOINT" => Geom::MultiPoint(self.list(|w| {
                if w.eat(b'(') {
                    let p = w.pt()?;
                    w.eat(b')').then_some(p)
                } else {
                    w.pt()
                }
            })?),
            "MULTILINESTRING" => Geom::MultiLineString(self.list(Self::pts)?),
            "MULTIPOLYGON" => Geom::MultiPolygon(self.list(|w| w.list(Self::pts))?),
            "GEOMETRYCOLLECTION" | "GEOMCOLLECTION" => {
                let save = self.pos;
                if self.word() == "EMPTY" {
                    Geom::Collection(Vec::new())
                } else {
                    self.pos = save;
                    if !self.eat(b'(') {
                        return None;
                    }
                    let mut v = Vec::new();
                    if !self.eat(b')') {
                        v.push(self.geom()?);
                        while self.eat(b',') {
                            v.push(self.geom()?);
                        }
                        if !self.eat(b')') {
                            return None;
                        }
                    }
                    Geom::Collection(v)
                }
            }
            _ => return None,
        };
        self.depth -= 1;
        Some(g)
    }
}

/// Reads WKT; `None` when it is not one valid geometry.
pub fn parse_wkt(s: &[u8]) -> Option<Geom> {
    let mut r = Wkt {
        s,
        pos: 0,
        depth: 0,
    };
    let g = r.geom()?;
    r.ws();
    (r.pos == s.len() && valid(&g)).then_some(g)
}

// ---- column values ----

/// Checks a value for a geometry column: the internal format, a geometry of the column's
/// subtype and SRID. `column` names the column in the errors.
pub fn check_for_column(
    b: &[u8],
    kind: GeomKind,
    srid: Option<u32>,
    column: &str,
) -> Result<(), ValueError> {
    let cant = || {
        ValueError::new(
            1416,
            "Cannot get geometry object from data you send to the GEOMETRY field",
        )
    };
    let (got, g) = decode(b).ok_or_else(cant)?;
    if kind != GeomKind::Geometry && g.kind() != kind {
        return Err(cant());
    }
    if let Some(want) = srid {
        if want != got {
            return Err(ValueError::new(
                3643,
                format!(
                    "The SRID of the geometry does not match the SRID of the column '{column}'. \
                     The SRID of the geometry is {got}, but the SRID of the column is {want}. \
                     Consider changing the SRID of the geometry or the SRID property of the column."
                ),
            ));
        }
    }
    Ok(())
}

// ---- planar measures ----

fn sub(a: Pt, b: Pt) -> Pt {
    Pt {
        x: a.x - b.x,
        y: a.y - b.y,
    }
}

fn cross(a: Pt, b: Pt) -> f64 {
    a.x * b.y - a.y * b.x
}

fn dist(a: Pt, b: Pt) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// Length of a line (sum of its segments).
pub fn line_length(l: &[Pt]) -> f64 {
    l.windows(2).map(|w| dist(w[0], w[1])).sum()
}

/// ST_Length: lines and multilines; `None` for other types.
pub fn length(g: &Geom) -> Option<f64> {
    match g {
        Geom::LineString(l) => Some(line_length(l)),
        Geom::MultiLineString(ls) => Some(ls.iter().map(|l| line_length(l)).sum()),
        _ => None,
    }
}

fn ring_area(r: &[Pt]) -> f64 {
    (r.windows(2).map(|w| cross(w[0], w[1])).sum::<f64>() / 2.0).abs()
}

fn polygon_area(p: &[Vec<Pt>]) -> f64 {
    let mut rings = p.iter();
    let outer = rings.next().map_or(0.0, |r| ring_area(r));
    outer - rings.map(|r| ring_area(r)).sum::<f64>()
}

/// ST_Area: polygons and multipolygons; 0 for other types in a collection.
pub fn area(g: &Geom) -> Option<f64> {
    match g {
        Geom::Polygon(p) => Some(polygon_area(p)),
        Geom::MultiPolygon(ps) => Some(ps.iter().map(|p| polygon_area(p)).sum()),
        Geom::Collection(gs) => Some(gs.iter().filter_map(area).sum()),
        _ => None,
    }
}

/// Where a point lies against a ring: inside, on its boundary, outside.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    In,
    Edge,
    Out,
}

fn on_segment(p: Pt, a: Pt, b: Pt) -> bool {
    cross(sub(b, a), sub(p, a)) == 0.0
        && p.x >= a.x.min(b.x)
        && p.x <= a.x.max(b.x)
        && p.y >= a.y.min(b.y)
        && p.y <= a.y.max(b.y)
}

fn ring_side(p: Pt, r: &[Pt]) -> Side {
    let mut inside = false;
    for w in r.windows(2) {
        let (a, b) = (w[0], w[1]);
        if on_segment(p, a, b) {
            return Side::Edge;
        }
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    if inside {
        Side::In
    } else {
        Side::Out
    }
}

fn polygon_side(p: Pt, poly: &[Vec<Pt>]) -> Side {
    let Some((outer, holes)) = poly.split_first() else {
        return Side::Out;
    };
    match ring_side(p, outer) {
        Side::In => {
            for h in holes {
                match ring_side(p, h) {
                    Side::In => return Side::Out,
                    Side::Edge => return Side::Edge,
                    Side::Out => {}
                }
            }
            Side::In
        }
        s => s,
    }
}

fn polygons(g: &Geom) -> Vec<&[Vec<Pt>]> {
    match g {
        Geom::Polygon(p) => vec![p.as_slice()],
        Geom::MultiPolygon(ps) => ps.iter().map(|p| p.as_slice()).collect(),
        Geom::Collection(gs) => gs.iter().flat_map(polygons).collect(),
        _ => Vec::new(),
    }
}

fn segments(g: &Geom) -> Vec<(Pt, Pt)> {
    let mut out = Vec::new();
    let mut line = |l: &[Pt]| out.extend(l.windows(2).map(|w| (w[0], w[1])));
    match g {
        Geom::LineString(l) => line(l),
        Geom::Polygon(rs) | Geom::MultiLineString(rs) => rs.iter().for_each(|r| line(r)),
        Geom::MultiPolygon(ps) => ps.iter().flatten().for_each(|r| line(r)),
        Geom::Collection(gs) => return gs.iter().flat_map(segments).collect(),
        Geom::Point(_) | Geom::MultiPoint(_) => {}
    }
    out
}

fn lone_points(g: &Geom) -> Vec<Pt> {
    match g {
        Geom::Point(p) => vec![*p],
        Geom::MultiPoint(ps) => ps.clone(),
        Geom::Collection(gs) => gs.iter().flat_map(lone_points).collect(),
        _ => Vec::new(),
    }
}

fn seg_point(p: Pt, a: Pt, b: Pt) -> f64 {
    let ab = sub(b, a);
    let len2 = ab.x * ab.x + ab.y * ab.y;
    if len2 == 0.0 {
        return dist(p, a);
    }
    let t = (((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2).clamp(0.0, 1.0);
    dist(
        p,
        Pt {
            x: a.x + t * ab.x,
            y: a.y + t * ab.y,
        },
    )
}

fn segs_cross(a: Pt, b: Pt, c: Pt, d: Pt) -> bool {
    let d1 = cross(sub(b, a), sub(c, a));
    let d2 = cross(sub(b, a), sub(d, a));
    let d3 = cross(sub(d, c), sub(a, c));
    let d4 = cross(sub(d, c), sub(b, c));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    on_segment(c, a, b) || on_segment(d, a, b) || on_segment(a, c, d) || on_segment(b, c, d)
}

fn seg_seg(a: Pt, b: Pt, c: Pt, d: Pt) -> f64 {
    if segs_cross(a, b, c, d) {
        return 0.0;
    }
    seg_point(a, c, d)
        .min(seg_point(b, c, d))
        .min(seg_point(c, a, b))
        .min(seg_point(d, a, b))
}

/// True when some vertex of `a` lies in or on a polygon of `b`.
fn any_vertex_in(a: &Geom, b: &Geom) -> bool {
    let polys = polygons(b);
    if polys.is_empty() {
        return false;
    }
    let mut ps = Vec::new();
    a.points(&mut ps);
    ps.iter()
        .any(|p| polys.iter().any(|poly| polygon_side(*p, poly) != Side::Out))
}

/// ST_Distance on the plane; `None` when either geometry is empty.
pub fn distance(a: &Geom, b: &Geom) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if any_vertex_in(a, b) || any_vertex_in(b, a) {
        return Some(0.0);
    }
    let (pa, pb) = (lone_points(a), lone_points(b));
    let (sa, sb) = (segments(a), segments(b));
    let mut best = f64::INFINITY;
    for p in &pa {
        for q in &pb {
            best = best.min(dist(*p, *q));
        }
        for (c, d) in &sb {
            best = best.min(seg_point(*p, *c, *d));
        }
    }
    for (a1, b1) in &sa {
        for q in &pb {
            best = best.min(seg_point(*q, *a1, *b1));
        }
        for (c, d) in &sb {
            best = best.min(seg_seg(*a1, *b1, *c, *d));
        }
    }
    best.is_finite().then_some(best)
}

/// ST_Contains(a, b) for the shapes that matter in practice: `b`'s every vertex inside or
/// on `a`'s polygons with at least one strictly inside, and no edge of `b` crossing out;
/// for a point or line container, `b`'s points lie on it.
pub fn contains(a: &Geom, b: &Geom) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let mut ps = Vec::new();
    b.points(&mut ps);
    let polys = polygons(a);
    if !polys.is_empty() {
        let sides: Vec<Side> = ps
            .iter()
            .map(|p| {
                let s: Vec<Side> = polys.iter().map(|poly| polygon_side(*p, poly)).collect();
                if s.contains(&Side::In) {
                    Side::In
                } else if s.contains(&Side::Edge) {
                    Side::Edge
                } else {
                    Side::Out
                }
            })
            .collect();
        if sides.contains(&Side::Out) {
            return false;
        }
        // Segments of `b` whose midpoints leave `a` (a concave container).
        let leaves = segments(b).iter().any(|(p, q)| {
            let m = Pt {
                x: (p.x + q.x) / 2.0,
                y: (p.y + q.y) / 2.0,
            };
            polys.iter().all(|poly| polygon_side(m, poly) == Side::Out)
        });
        return !leaves && (sides.contains(&Side::In) || !polygons(b).is_empty());
    }
    let sa = segments(a);
    if !sa.is_empty() {
        return ps
            .iter()
            .all(|p| sa.iter().any(|(c, d)| on_segment(*p, *c, *d)));
    }
    let pa = lone_points(a);
    ps.iter().all(|p| pa.contains(p))
}

/// The MBR as MySQL's ST_Envelope gives it: a point, a line for a degenerate box, else
/// the box's polygon.
pub fn envelope(g: &Geom) -> Option<Geom> {
    let (lo, hi) = g.mbr()?;
    Some(if lo == hi {
        Geom::Point(lo)
    } else if lo.x == hi.x || lo.y == hi.y {
        Geom::LineString(vec![lo, hi])
    } else {
        Geom::Polygon(vec![vec![
            lo,
            Pt { x: hi.x, y: lo.y },
            hi,
            Pt { x: lo.x, y: hi.y },
            lo,
        ]])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_round_trips_in_mysql_spelling() {
        for (inp, out) in [
            ("POINT(1 2)", "POINT(1 2)"),
            (
                " point ( -112.8185647   49.6999986 ) ",
                "POINT(-112.8185647 49.6999986)",
            ),
            ("LINESTRING(0 0,1 1,2 2)", "LINESTRING(0 0,1 1,2 2)"),
            (
                "POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))",
                "POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))",
            ),
            ("MULTIPOINT(1 2,3 4)", "MULTIPOINT((1 2),(3 4))"),
            ("MULTIPOINT((1 2),(3 4))", "MULTIPOINT((1 2),(3 4))"),
            (
                "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))",
                "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))",
            ),
            ("GEOMETRYCOLLECTION EMPTY", "GEOMETRYCOLLECTION EMPTY"),
        ] {
            let g = parse_wkt(inp.as_bytes()).unwrap_or_else(|| panic!("{inp}"));
            assert_eq!(to_wkt(&g), out);
            assert_eq!(parse_wkb(&to_wkb(&g)), Some(g));
        }
        for bad in [
            "POINT(1)",
            "LINESTRING(0 0)",
            "POLYGON((0 0,1 0,1 1))",
            "POINT(1 2",
            "FOO(1 2)",
            "POINT(1 2) x",
        ] {
            assert_eq!(parse_wkt(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn sakila_value_decodes() {
        let hex = "0000000001010000003E0A325D63345CC0761FDB8D99D94840";
        let b: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let (srid, g) = decode(&b).unwrap();
        assert_eq!(srid, 0);
        assert_eq!(to_wkt(&g), "POINT(-112.8185647 49.6999986)");
        assert_eq!(encode(0, &g), b);
        assert!(decode(&b[..b.len() - 1]).is_none());
        // A huge count is refused before anything is reserved.
        let mut huge = vec![0, 0, 0, 0, 1, 2, 0, 0, 0];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).is_none());
    }

    #[test]
    fn measures() {
        let sq = parse_wkt(b"POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2))").unwrap();
        assert_eq!(area(&sq), Some(96.0));
        assert!(contains(&sq, &Geom::Point(Pt { x: 5.0, y: 5.0 })));
        assert!(!contains(&sq, &Geom::Point(Pt { x: 3.0, y: 3.0 })));
        assert!(!contains(&sq, &Geom::Point(Pt { x: 11.0, y: 3.0 })));
        let l = parse_wkt(b"LINESTRING(0 0,3 4)").unwrap();
        assert_eq!(length(&l), Some(5.0));
        let p = Geom::Point(Pt { x: 13.0, y: 14.0 });
        assert_eq!(distance(&sq, &p), Some(5.0));
        assert_eq!(distance(&l, &Geom::Point(Pt { x: 0.0, y: 0.0 })), Some(0.0));
    }
}
